/**
 * The Fastify application: plugins, the OpenAPI document and the routes, one file per
 * resource. Built from a ready `BatchService`, so tests can build it around any adapters.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Metrics } from '../metrics.js';
import type { BatchService } from '../service/batch-service.js';
import { registerAuth, redactToken } from './plugins/auth.js';
import { createRateLimits, type RateLimits } from './plugins/rate-limits.js';
import { frameworkErrors, registerErrorHandling } from './plugins/errors.js';
import { handleClientError, refuseLongUrl } from './plugins/client-errors.js';
import { drainUnreadBodies } from './plugins/drain-body.js';
import { enforceUploadRate } from './plugins/upload-rate.js';
import { registerBrowserSafety, type BrowserSafetyOptions } from './plugins/browser-safety.js';
import { capConnectionsPerIp } from './connection-cap.js';
import { StreamLimits } from './stream-limits.js';
import { lazyCompilers } from './lazy-schemas.js';
import { eventRoutes } from './routes/events.js';
import { batchRoutes } from './routes/batches.js';
import { fileRoutes } from './routes/files.js';
import { operationRoutes } from './routes/operations.js';
import { webRoutes } from './routes/web.js';
import { resultRoutes } from './routes/results.js';
import { ErrorBody, safeIntegerKeyword } from './schemas.js';

export interface RouteDeps {
  service: BatchService;
  metrics: Metrics;
  streamLimits: StreamLimits;
  /** Aborted when the server begins to close: live streams end so the close need not wait. */
  closing: AbortSignal;
}

export interface AppOptions {
  service: BatchService;
  metrics: Metrics;
  streamLimits: { maxPerBatch: number; maxPerIp: number };
  logger?: boolean | { level: string };
  version: string;
  /** The built web UI (dist/web), or null for an API-only server. */
  webRoot?: string | null;
  /** Limits on slow or greedy clients (see the config's settings of the same names). */
  clients?: ClientLimits;
  /** Requests, uploads and failed authentications per minute. */
  rateLimits?: RateLimits;
  /** Host names, CORS origins (see the config's settings); default: loopback, no CORS. */
  browser?: BrowserSafetyOptions;
  /**
   * The REST API and its event streams only, for the engine inside `filemill submit`: no
   * WebSocket stream and no OpenAPI document (nor, with no `webRoot`, the web UI). Its one
   * client is the command that started it, which uses none of them; their modules are not
   * even loaded.
   * @defaultValue false
   */
  restOnly?: boolean;
}

/** Timeouts, in ms, and caps that keep slow or greedy clients from holding the server. */
export interface ClientLimits {
  headersTimeoutMs: number;
  /** 0: no limit. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no minimum. */
  minUploadBytesPerSecond: number;
  uploadRateWindowMs: number;
  /** 0: no cap. */
  maxConnectionsPerIp: number;
}

/** Defaults for an app built without them (tests of the app alone): the config's defaults. */
const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 3_600_000,
  keepAliveTimeoutMs: 72_000,
  minUploadBytesPerSecond: 1024,
  uploadRateWindowMs: 60_000,
  maxConnectionsPerIp: 64,
};

const DEFAULT_RATE_LIMITS: RateLimits = {
  requestsPerMinute: 6000,
  submitsPerMinute: 600,
  authFailuresPerMinute: 30,
};

export async function createApp({
  service,
  metrics,
  streamLimits,
  logger = false,
  version,
  webRoot = null,
  clients = DEFAULT_CLIENT_LIMITS,
  rateLimits = DEFAULT_RATE_LIMITS,
  browser = { host: '127.0.0.1', allowedHosts: [], corsOrigins: [] },
  restOnly = false,
}: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Share links carry their token in the query: the log shows the URL without it.
    logger:
      logger === false ? false : { ...(logger === true ? {} : logger), serializers: { req: loggedRequest } },
    http: {
      headersTimeout: clients.headersTimeoutMs,
      // How often Node checks the two timeouts: often enough to keep to them closely.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, clients.headersTimeoutMs / 4)),
    },
    requestTimeout: clients.requestTimeoutMs,
    keepAliveTimeout: clients.keepAliveTimeoutMs,
    // Ids of our own in logs; never trust a client-sent request id.
    genReqId: () => Math.random().toString(36).slice(2, 10),
    ajv: {
      // validateSchema: the route schemas are ours (TypeBox), fixed at build time and reached by
      // the tests; checking each against JSON Schema's meta-schema first compiled that
      // meta-schema on a process's first validated request: ~100 ms of CPU.
      customOptions: { removeAdditional: false, coerceTypes: 'array', validateSchema: false },
      plugins: [safeIntegerKeyword],
    },
    // Each route's schemas compiled on its first request: most routes of a process are never
    // called, and compiling them all made ~200 ms of its start.
    schemaController: { compilersFactory: lazyCompilers() },
    frameworkErrors,
    clientErrorHandler: handleClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app);
  // First of all hooks: its own marks an upgrade request as such, and only then does a refusal
  // by a later hook (auth, a too-long address) close the upgraded socket after answering —
  // else the socket stays open, and holds the server's close for ever.
  if (!restOnly) {
    const { default: websocket } = await import('@fastify/websocket');
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  }
  // Security headers on every answer, refusals included; the Host and Origin checks before
  // credentials are looked at.
  await registerBrowserSafety(app, browser);
  // The limits count the caller the auth hook names, and check failed authentications.
  registerAuth(app, service, await createRateLimits(app, rateLimits));
  // Bodies are JSON, or multipart for an upload (its parser is the batch routes'): anything
  // else, plain text included, is 415.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', refuseLongUrl);
  drainUnreadBodies(app);
  enforceUploadRate(app, {
    minBytesPerSecond: clients.minUploadBytesPerSecond,
    windowMs: clients.uploadRateWindowMs,
  });
  capConnectionsPerIp(app.server, clients.maxConnectionsPerIp, app.log);
  app.addSchema(ErrorBody);
  if (!restOnly) await registerOpenApi(app, version);

  // An open event stream would otherwise hold the close until its client leaves; it ends
  // instead, and the client resumes by seq from wherever it reconnects.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const deps: RouteDeps = {
    service,
    metrics,
    streamLimits: new StreamLimits(streamLimits.maxPerBatch, streamLimits.maxPerIp),
    closing: closing.signal,
  };
  await app.register(batchRoutes, deps);
  await app.register(fileRoutes, deps);
  await app.register(resultRoutes, deps);
  await app.register(eventRoutes, deps);
  if (!restOnly) {
    const { websocketRoutes } = await import('./routes/websocket.js');
    await app.register(websocketRoutes, deps);
  }
  await app.register(operationRoutes, deps);
  await webRoutes(app, webRoot);
  return app;
}

/** The OpenAPI document of every route not hidden, at /api/openapi.json. */
async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const { default: swagger } = await import('@fastify/swagger');
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'filemill',
        version,
        description: 'Batch processing of files: submit, watch, download.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (`fm_…`, `filemill keys create`): required on every call once a key exists. ' +
              "A batch's share token is sent the same way and reads only that batch.",
          },
          shareToken: {
            type: 'apiKey',
            in: 'query',
            name: 'token',
            description: "A batch's share token in the query (a share link): reads only that batch.",
          },
        },
      },
      // Either credential; none while the server has no key (open on loopback).
      security: [{ apiKey: [] }, { shareToken: [] }, {}],
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** A request as the log shows it (Fastify's own fields), its URL without a share token. */
function loggedRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactToken(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

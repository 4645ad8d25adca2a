/**
 * What keeps a browser from being turned against the server, with or without API keys:
 * security headers on every response (@fastify/helmet: the page's CSP, no referrer, nosniff),
 * CORS only for the origins the operator lists (@fastify/cors, on /api), a `Host` header that
 * must name this server (against DNS rebinding), and state changes and WebSockets only from
 * the page's own origin (against cross-site form posts and cross-site sockets).
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { cannotBeRebound, hostHeaderName, isLoopbackHost } from '../host-names.js';

export interface BrowserSafetyOptions {
  /** The address the server binds to (`FILEMILL_HOST`): a name there is one it answers to. */
  host: string;
  /** Further names the `Host` header may carry, lower-case; `*`: any. */
  allowedHosts: readonly string[];
  /** Origins (`https://app.example.com`) given CORS on /api and allowed to change state. */
  corsOrigins: readonly string[];
}

/** The page loads its script, styles and data from this server only, and nobody frames it. */
const PAGE_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // The built CSS file; React and Chart.js set styles through the DOM, which CSP allows.
  'style-src': ["'self'"],
  // `data:` for the empty favicon (`<link rel="icon" href="data:,">`).
  'img-src': ["'self'", 'data:'],
  // fetch, EventSource and the WebSocket: 'self' covers ws(s):// of the same host (CSP 3).
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** Methods that change something: a browser may send them only from the page itself. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Asked by load balancers and orchestrators by whatever name they know the node by. */
const HEALTH_ROUTES = new Set(['/healthz', '/readyz']);

export async function registerBrowserSafety(app: FastifyInstance, opts: BrowserSafetyOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: PAGE_POLICY },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    // HSTS is for whoever terminates TLS (a reverse proxy) to decide: sent from here, it would
    // bind every subdomain of the name to HTTPS for a year.
    strictTransportSecurity: false,
    // Sent below, only where a browser honours it.
    crossOriginOpenerPolicy: false,
  });
  // Chromium ignores Cross-Origin-Opener-Policy from an origin it does not trust (plain HTTP at
  // a network address) and logs an error in the page's console for every load: send it over
  // HTTPS and to loopback names, where it takes effect.
  app.addHook('onSend', async (request, reply) => {
    if (request.protocol === 'https' || isTrustworthyHost(request.headers.host)) {
      reply.header('cross-origin-opener-policy', 'same-origin');
    }
  });
  if (opts.corsOrigins.length > 0) {
    const onApi = {
      origin: [...opts.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
      exposedHeaders: ['Content-Disposition', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    };
    await app.register(cors, {
      delegator: (request, callback) =>
        callback(null, request.url.startsWith('/api/') ? onApi : { origin: false }),
    });
  }
  const answersTo = hostCheck(opts);
  const corsOrigins = new Set(opts.corsOrigins);
  app.addHook('onRequest', async (request) => {
    if (!HEALTH_ROUTES.has(request.routeOptions.url ?? '')) answersTo(request.headers.host);
    const upgrade = /\bwebsocket\b/i.test(request.headers.upgrade ?? '');
    if (upgrade || STATE_CHANGING.has(request.method)) fromOwnPage(request, corsOrigins, upgrade);
  });
}

/** Whether browsers treat plain HTTP to this `Host` as a secure context (loopback names). */
function isTrustworthyHost(header: string | undefined): boolean {
  const name = header === undefined ? null : hostHeaderName(header);
  return name !== null && (isLoopbackHost(name) || name.endsWith('.localhost'));
}

/**
 * A check of the `Host` header: the configured host, loopback names and IP addresses (which no
 * DNS answer can put in a browser's Host), and the listed names, with any port.
 * @throws AppError FORBIDDEN for any other name.
 */
function hostCheck(opts: BrowserSafetyOptions): (header: string | undefined) => void {
  const names = new Set(opts.allowedHosts);
  const configured = hostHeaderName(opts.host);
  if (configured !== null) names.add(configured);
  const any = names.has('*');
  return (header) => {
    // HTTP/1.0 without a Host: no browser, so nobody to rebind.
    if (header === undefined || any) return;
    const name = hostHeaderName(header);
    if (name !== null && (cannotBeRebound(name) || names.has(name))) return;
    throw new AppError(
      'FORBIDDEN',
      `The Host header ${JSON.stringify(header.slice(0, 100))} is not one this server answers to; set FILEMILL_ALLOWED_HOSTS to the names clients use to reach it.`,
    );
  };
}

/**
 * A request from a browser must come from the page this server serves (or a listed origin).
 * Clients that send neither `Origin` nor `Sec-Fetch-Site` (curl, the CLI) are not browsers
 * and pass.
 * @throws AppError FORBIDDEN for a request another site's page made.
 */
function fromOwnPage(request: FastifyRequest, corsOrigins: ReadonlySet<string>, upgrade: boolean): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  if (origin !== undefined && corsOrigins.has(origin)) return;
  const what = upgrade ? 'A WebSocket' : `A ${request.method} request`;
  if (origin !== undefined && !isOwnOrigin(origin, request.headers.host)) {
    throw new AppError(
      'FORBIDDEN',
      `${what} from another site's page (Origin ${JSON.stringify(origin.slice(0, 100))}) is refused; list that origin in FILEMILL_CORS_ORIGINS to allow it.`,
    );
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError(
      'FORBIDDEN',
      `${what} from another site's page (Sec-Fetch-Site: ${site.slice(0, 20)}) is refused; only this server's own page may do that.`,
    );
  }
}

/**
 * Whether `origin` is this server as the browser addressed it: the same host and port as the
 * `Host` header. Either scheme: behind a proxy that ends TLS the server cannot tell which the
 * browser used, and the host is what a cross-site page cannot fake.
 */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    return from.origin === origin && new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    // `Origin: null` (a sandboxed frame, a file:// page) and anything unparsable.
    return false;
  }
}

/**
 * Processors and health: what the server can do and whether it can do it now.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { SANDBOX_LEVELS } from '../../core/model.js';
import { PROCESSOR_OUTPUTS } from '../../core/report.js';
import { credentialOf } from '../plugins/auth.js';
import { errorBody } from '../plugins/errors.js';
import { errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

/**
 * The worker processes as `/readyz` reports them: of the pool's `size`, how many listen and
 * how many have none listening after a failed start (tried again after a pause); `starting`
 * while the first start of each, at server start, is under way.
 */
export interface WorkersReadiness {
  size: number;
  ready: number;
  failed: number;
  starting: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Decorated by the composition root on a server whose workers start with it; absent on an
     * API-only node and on an app built alone, whose `/readyz` then says nothing of workers.
     */
    workersReadiness?: () => WorkersReadiness;
  }
}

const ProcessorSchema = Type.Object({
  name: Type.String(),
  title: Type.String(),
  accepts: Type.Array(Type.String()),
  presets: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Type.String(),
      settings: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
  defaultPreset: Type.String(),
  settingsSchema: Type.Unknown(),
  produces: Type.Enum(PROCESSOR_OUTPUTS, {
    description:
      "What a file's output is: copy, the input made over (its size against the input's is a reduction); report, what was found in the input (no size reduction is reported).",
  }),
  sandbox: Type.Object(
    {
      level: Type.Enum(SANDBOX_LEVELS, {
        description:
          "What confines its files: bwrap (bubblewrap: no network, only the file at hand; Node's permission model inside), permission (Node's permission model only), none.",
      }),
      network: Type.Boolean({ description: 'Whether its workers can reach the network.' }),
    },
    { description: 'How this processor runs files.' },
  ),
});

export const operationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { service, metrics }) => {
  app.get(
    '/api/processors',
    {
      schema: {
        summary: 'Processors, their settings schemas and presets',
        response: { 200: Type.Array(ProcessorSchema), ...errorResponses },
      },
    },
    async () =>
      service.processors().map((p) => ({
        name: p.name,
        title: p.title,
        accepts: [...p.accepts],
        presets: p.presets.map((s) => ({ name: s.name, title: s.title, settings: s.settings })),
        defaultPreset: p.defaultPreset,
        settingsSchema: p.settingsSchema,
        produces: p.produces ?? 'copy',
        sandbox: service.processorSandbox(p.name),
      })),
  );

  app.get(
    '/api/limits',
    {
      schema: {
        summary: 'Upload limits of this server',
        response: {
          200: Type.Object({
            maxFiles: Type.Integer(),
            maxFileBytes: Type.Integer(),
            maxBatchBytes: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => service.limits,
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: true } }, async (request, reply) => {
    await service.authorizeMetrics(credentialOf(request));
    reply.header('content-type', metrics.registry.contentType);
    return reply.send(await metrics.registry.metrics());
  });

  app.get('/healthz', { schema: { summary: 'Alive', hide: true } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Store and storage reachable, storage not full, worker processes started',
        hide: true,
      },
    },
    async (request, reply) => {
      const { sandbox, store, storage, space } = await service.readiness();
      const pool = app.workersReadiness?.();
      const workers = pool ? { workers: { ready: pool.ready, size: pool.size, failed: pool.failed } } : {};
      if (store !== 'ok' || storage !== 'ok') {
        request.log.warn({ store, storage }, 'not ready');
        return reply.status(503).send({
          ...errorBody('NOT_READY', 'A dependency is not reachable.'),
          store,
          storage,
          sandbox,
          ...workers,
        });
      }
      // Reachable but full: not ready for uploads, and the queue is paused until space returns.
      const free = space ? { freeBytes: space.freeBytes } : {};
      if (space?.full) {
        return reply.status(503).send({
          ...errorBody(
            'STORAGE_FULL',
            'The data folder is out of disk space: uploads are refused and no file is started until space is freed.',
          ),
          store,
          storage: 'full',
          sandbox,
          ...free,
          ...workers,
        });
      }
      // Not ready while the workers start at server start, nor when none could start since.
      const noneStarted = pool !== undefined && pool.ready === 0 && pool.failed > 0;
      if (pool?.starting || noneStarted) {
        const message = pool.starting
          ? 'The worker processes are starting.'
          : 'No worker process could start (the server log says why); trying again.';
        return reply
          .status(503)
          .send({ ...errorBody('NOT_READY', message), store, storage, sandbox, ...free, ...workers });
      }
      return { status: 'ok', store, storage, queue: 'ok', sandbox, ...free, ...workers };
    },
  );
};

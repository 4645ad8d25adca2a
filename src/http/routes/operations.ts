/**
 * Processors and health: what the server can do and whether it can do it now.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { SANDBOX_LEVELS } from '../../core/model.js';
import { credentialOf } from '../plugins/auth.js';
import { errorBody } from '../plugins/errors.js';
import { errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

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
    { schema: { summary: 'Store and storage reachable, storage not full', hide: true } },
    async (request, reply) => {
      const { sandbox, store, storage, space } = await service.readiness();
      if (store !== 'ok' || storage !== 'ok') {
        request.log.warn({ store, storage }, 'not ready');
        return reply
          .status(503)
          .send({ ...errorBody('NOT_READY', 'A dependency is not reachable.'), store, storage, sandbox });
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
        });
      }
      return { status: 'ok', store, storage, queue: 'ok', sandbox, ...free };
    },
  );
};

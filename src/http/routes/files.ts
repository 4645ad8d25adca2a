/**
 * `/api/batches/:id/files`: the files of a batch, one file's output, cancel one file.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { FILE_STATUSES } from '../../core/model.js';
import { toBatchView, toFileView } from '../../core/views.js';
import { contentDisposition } from '../content-disposition.js';
import {
  BatchParams,
  BatchSchema,
  BinaryBody,
  Count,
  FileParams,
  FileSchema,
  PageQuery,
  errorResponses,
} from '../schemas.js';
import type { RouteDeps } from '../app.js';

export const fileRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { service }) => {
  app.get(
    '/api/batches/:id/files',
    {
      schema: {
        summary: 'List the files of a batch, by index',
        params: BatchParams,
        querystring: Type.Object({ status: Type.Optional(Type.Enum([...FILE_STATUSES])), ...PageQuery }),
        response: {
          200: Type.Object({
            items: Type.Array(FileSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit = 50, cursor } = request.query;
      const page = await service.listFiles(request.principal, request.params.id, { status, limit, cursor });
      return { items: page.items.map(toFileView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/batches/:id/files/:index',
    {
      schema: {
        summary: 'Read one file',
        params: FileParams,
        response: { 200: FileSchema, ...errorResponses },
      },
    },
    async (request) =>
      toFileView(await service.getFile(request.principal, request.params.id, request.params.index)),
  );

  app.get(
    '/api/batches/:id/files/:index/output',
    {
      schema: {
        summary: "Download one file's output",
        params: FileParams,
        response: { 200: BinaryBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const output = await service.output(request.principal, request.params.id, request.params.index);
      reply.header('content-type', output.contentType);
      reply.header('content-disposition', contentDisposition(output.name));
      reply.header('x-content-type-options', 'nosniff');
      // Outputs come from untrusted inputs: should a browser render one (HTML, SVG), it runs
      // nothing and reaches nothing of this origin.
      reply.header('content-security-policy', "default-src 'none'; sandbox");
      if (output.size !== null) reply.header('content-length', output.size);
      return reply.send(output.stream);
    },
  );

  app.post(
    '/api/batches/:id/files/:index/cancel',
    {
      schema: {
        summary: 'Cancel one file',
        params: FileParams,
        response: { 200: BatchSchema, ...errorResponses },
      },
    },
    async (request) =>
      toBatchView(
        await service.cancel(request.principal, request.params.id, request.params.index),
        service.now(),
      ),
  );

  app.post(
    '/api/batches/:id/cancel',
    {
      schema: {
        summary: 'Cancel a batch',
        params: BatchParams,
        response: { 200: BatchSchema, ...errorResponses },
      },
    },
    async (request) =>
      toBatchView(await service.cancel(request.principal, request.params.id, null), service.now()),
  );

  app.post(
    '/api/batches/:id/retry',
    {
      schema: {
        summary: 'Retry failed and cancelled files (or the listed ones)',
        params: BatchParams,
        body: Type.Object(
          { files: Type.Optional(Type.Array(Count(), { maxItems: 100_000 })) },
          { additionalProperties: false },
        ),
        response: { 200: BatchSchema, ...errorResponses },
      },
      // A bare POST (no body) means "retry every failed and cancelled file".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) =>
      toBatchView(
        await service.retry(request.principal, request.params.id, request.body.files ?? null),
        service.now(),
      ),
  );
};

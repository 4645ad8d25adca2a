/**
 * `/api/batches`: submit (multipart, streamed to storage), list, read and delete batches.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import Type from 'typebox';
import { AppError } from '../../core/errors.js';
import { BATCH_STATUSES } from '../../core/model.js';
import { toBatchView } from '../../core/views.js';
import type { UploadPart } from '../../service/upload.js';
import type { FastifyRequest } from 'fastify';
import { BatchParams, BatchSchema, ErrorBody, PageQuery, Submitted, errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

// Room for multipart boundaries, part headers and fields on top of the file bytes.
const MULTIPART_OVERHEAD_PER_FILE = 2048;
const MULTIPART_OVERHEAD = 1024 * 1024;

export const batchRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { service }) => {
  const { limits } = service;
  // Here, not app-wide: only this route takes multipart, every other route answers it 415.
  await app.register(multipart, {
    // Our own counters refuse first, with our codes; these are the parser's backstops.
    limits: {
      fileSize: limits.maxFileBytes + 1,
      files: limits.maxFiles + 1,
      fields: 20,
      parts: limits.maxFiles + 21,
    },
  });

  app.post(
    '/api/batches',
    {
      schema: {
        summary: 'Submit a batch',
        description:
          'multipart/form-data: `processor`, optional `preset` and `settings` (a JSON object), then ' +
          'one `files` part per file (the filename may carry a relative path). With the fields first, ' +
          'each file starts to run as soon as it is stored while the rest arrives; a field after the ' +
          'first file is then refused (400 INVALID_REQUEST). The batch is seen by no one (404, not ' +
          'listed) until the whole upload is stored and the 202 sent; a refused or interrupted upload ' +
          'leaves nothing: no batch, file, event, input or output, even of files that already ran.',
        consumes: ['multipart/form-data'],
        response: { 202: Submitted, ...errorResponses, 415: ErrorBody },
      },
      onRequest: async (request) => {
        const declared = Number(request.headers['content-length']);
        const ceiling =
          limits.maxBatchBytes + limits.maxFiles * MULTIPART_OVERHEAD_PER_FILE + MULTIPART_OVERHEAD;
        if (Number.isFinite(declared) && declared > ceiling) {
          throw new AppError(
            'BATCH_TOO_LARGE',
            `The request is larger than the limit of ${limits.maxBatchBytes} bytes per batch.`,
            {
              details: { limit: limits.maxBatchBytes, contentLength: declared },
            },
          );
        }
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the files as multipart/form-data.');
      }
      const { batch, token } = await service.submit(
        request.principal,
        multipartParts(request, limits.maxFiles),
      );
      const base = `/api/batches/${batch.id}`;
      return reply.status(202).send({
        id: batch.id,
        status: batch.status,
        totalFiles: batch.totalFiles,
        token,
        statusUrl: base,
        eventsUrl: `${base}/events`,
        wsUrl: `${base}/ws`,
        resultsUrl: `${base}/results.zip`,
      });
    },
  );

  app.get(
    '/api/batches',
    {
      schema: {
        summary: 'List batches, newest first',
        querystring: Type.Object({ status: Type.Optional(Type.Enum([...BATCH_STATUSES])), ...PageQuery }),
        response: {
          200: Type.Object({
            items: Type.Array(BatchSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, limit = 50, cursor } = request.query;
      const page = await service.listBatches(request.principal, { status, limit, cursor });
      const now = service.now();
      return { items: page.items.map((b) => toBatchView(b, now)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/batches/:id',
    {
      schema: {
        summary: 'Read a batch',
        params: BatchParams,
        response: { 200: BatchSchema, ...errorResponses },
      },
    },
    async (request) =>
      toBatchView(await service.getBatch(request.principal, request.params.id), service.now()),
  );

  app.post(
    '/api/batches/:id/token',
    {
      schema: {
        summary: "Replace the batch's share token (the old one stops working)",
        params: BatchParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            token: Type.String({
              description: 'Grants read, events and download of this batch; shown once.',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      id: request.params.id,
      token: await service.replaceToken(request.principal, request.params.id),
    }),
  );

  app.delete(
    '/api/batches/:id',
    {
      schema: {
        summary: 'Delete a batch, its files and outputs',
        params: BatchParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await service.delete(request.principal, request.params.id);
      return reply.status(204).send(null);
    },
  );
};

/** The multipart body as the service's upload parts. `files` and `files[]` both name files. */
async function* multipartParts(request: FastifyRequest, maxFiles: number): AsyncIterable<UploadPart> {
  try {
    // One part over the limit is let through so the service can refuse it with its own code.
    const parts = request.parts({
      limits: { files: maxFiles + 1, fields: 20, fieldSize: 1024 * 1024 },
      preservePath: true,
    });
    for await (const part of parts) {
      if (part.type === 'field') {
        // A part sent as application/json arrives parsed: the service wants the text.
        const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
        yield { kind: 'field', name: part.fieldname, value };
      } else if (part.fieldname === 'files' || part.fieldname === 'files[]') {
        yield {
          kind: 'file',
          filename: part.filename,
          stream: Readable.from(clientBytes(part.file), { objectMode: false }),
        };
      } else {
        part.file.resume();
        throw new AppError(
          'INVALID_REQUEST',
          `Unexpected file field "${part.fieldname}": send files as \`files\`.`,
        );
      }
    }
  } catch (error) {
    throw malformed(error);
  }
}

/**
 * A file part's bytes, its parser's failures (the body cut short before its closing
 * boundary, a malformed part) turned into the client's error they are.
 */
async function* clientBytes(file: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  try {
    yield* file;
  } catch (error) {
    throw malformed(error);
  }
}

/**
 * busboy's errors ("Unexpected end of multipart data", "Boundary not found", …) carry no
 * code, and a part stream ended under us is a premature close: the client's body, malformed or
 * cut short. Ours and the framework's coded errors (limits) pass as they are.
 */
function malformed(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof AppError || (typeof code === 'string' && code.startsWith('FST_'))) return error;
  return new AppError('INVALID_REQUEST', 'The multipart body is malformed or was cut short.', {
    cause: error,
  });
}

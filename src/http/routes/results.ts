/**
 * The results of a batch: the streamed ZIP and the reports, each saved under the batch's
 * name (`trip-results.zip`, `trip-report.csv`) or, without one, `batch-<id>-results.zip`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { downloadName } from '../../core/batch-name.js';
import { contentDisposition } from '../content-disposition.js';
import { BatchParams, BinaryBody, errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

export const resultRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { service }) => {
  app.get(
    '/api/batches/:id/results.zip',
    {
      schema: {
        summary: 'Every output in the uploaded folder layout, with report.json',
        params: BatchParams,
        response: { 200: BinaryBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const batch = await service.getBatch(request.principal, request.params.id);
      const stream = await service.resultsZip(request.principal, request.params.id);
      reply.header('content-type', 'application/zip');
      reply.header('content-disposition', contentDisposition(downloadName(batch, 'results.zip')));
      return reply.send(stream);
    },
  );

  app.get(
    '/api/batches/:id/report.json',
    {
      schema: {
        summary: 'Summary and one row per file',
        params: BatchParams,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const batch = await service.getBatch(request.principal, request.params.id);
      const report = await service.report(request.principal, request.params.id);
      reply.header('content-disposition', contentDisposition(downloadName(batch, 'report.json')));
      return report;
    },
  );

  app.get(
    '/api/batches/:id/report.csv',
    {
      schema: {
        summary: 'One row per file, header first',
        params: BatchParams,
        response: { 200: BinaryBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const batch = await service.getBatch(request.principal, request.params.id);
      const csv = await service.reportCsv(request.principal, request.params.id);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', contentDisposition(downloadName(batch, 'report.csv')));
      return reply.send(csv);
    },
  );
};

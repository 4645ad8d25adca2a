/**
 * Route schemas compiled on a route's first request (http/lazy-schemas.ts) answer exactly as
 * Fastify's compilers do when they compile at start-up: the same refusals with the same
 * messages, the same coercion and the same serialized replies; and nothing is compiled before
 * a route is called.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { lazyCompilers } from '../../src/http/lazy-schemas.js';

const ajv = { customOptions: { removeAdditional: false, coerceTypes: 'array' as const } };

function appWith(lazy: boolean, schema: Record<string, unknown>): FastifyInstance {
  const app = Fastify({ ajv, ...(lazy && { schemaController: { compilersFactory: lazyCompilers() } }) });
  app.post('/things/:id', { schema }, async (request) => ({
    ...(request.body as object),
    id: (request.params as { id: number }).id,
    secret: 'never sent',
  }));
  return app;
}

const schema = {
  params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
  headers: { type: 'object', properties: { 'x-n': { type: 'integer', maximum: 9 } } },
  body: {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 5 },
      tags: { type: 'array', items: { type: 'string' } },
    },
    required: ['name'],
  },
  response: {
    200: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' }, tags: { type: 'array' } },
    },
  },
};

const requests = [
  { url: '/things/7', payload: { name: 'ok', tags: 'one' } },
  { url: '/things/7', payload: { name: 'far too long' } },
  { url: '/things/seven', payload: { name: 'ok' } },
  { url: '/things/7', payload: {} },
  { url: '/things/7', payload: { name: 'ok' }, headers: { 'x-n': '12' } },
];

describe('route schemas compiled on first use', () => {
  it('answer every request as the compilers at start-up do', async () => {
    const eager = appWith(false, schema);
    const lazy = appWith(true, schema);
    try {
      for (const request of [...requests, ...requests]) {
        const [expected, actual] = await Promise.all(
          [eager, lazy].map((app) => app.inject({ method: 'POST', ...request })),
        );
        assert.equal(actual!.statusCode, expected!.statusCode, request.url);
        assert.deepEqual(actual!.json(), expected!.json());
      }
    } finally {
      await Promise.all([eager.close(), lazy.close()]);
    }
  });

  it('compile nothing at start-up: a schema Ajv refuses fails its requests, not the start', async () => {
    const broken = { body: { type: 'no such type' } };
    await assert.rejects(async () => appWith(false, broken).ready(), /Failed building the validation schema/);
    const lazy = appWith(true, broken);
    try {
      await lazy.ready();
      const response = await lazy.inject({ method: 'POST', url: '/things/1', payload: { name: 'x' } });
      assert.equal(response.statusCode, 500);
    } finally {
      await lazy.close();
    }
  });
});

/**
 * The web UI: the built single-page app (dist/web) at `/`, and its own routes (`/batches`,
 * `/batches/<id>`: links that can be shared or reloaded) answered with its index.html; any
 * other address a browser asks for, outside the API, gets the page too, as a 404, and the page
 * says it has no such address.
 * Hashed assets are cached for good; index.html never, so a new build is picked up at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../plugins/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the page is built: answers an unknown address asked for by a browser with it, as a 404. */
    notFoundPage?: (reply: FastifyReply) => FastifyReply;
  }
}

export async function webRoutes(app: FastifyInstance, root: string | null): Promise<void> {
  if (!root || !existsSync(join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(404)
        .send(errorBody('NOT_FOUND', 'The web UI is not built here: run `npm run build`, then start again.')),
    );
    return;
  }
  // Loaded only here: a server without the built page never needs it.
  const { default: fastifyStatic } = await import('@fastify/static');
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ['index.html'],
    setHeaders(reply, path) {
      // Its Content-Security-Policy, and nosniff, are every response's (plugins/browser-safety.ts).
      if (path.endsWith('index.html')) {
        reply.header('cache-control', 'no-cache');
      } else if (path.includes(`${join(root, 'assets')}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      }
    },
  });
  const page = async (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  app.get('/batches', { schema: { hide: true } }, page);
  app.get('/batches/:id', { schema: { hide: true } }, page);
  // The page shows its own "No such page" for an address it does not know.
  app.decorate('notFoundPage', (reply: FastifyReply) => reply.status(404).sendFile('index.html'));
}

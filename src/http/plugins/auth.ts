/**
 * One hook turns every `/api` request into a principal (core/principal.ts): the credential it
 * carries — `Authorization: Bearer <key or token>`, or a share link's `?token=` — is handed to
 * the service, which says who that is or refuses with 401. What the principal may then do
 * with a batch is the service's decision, never a route's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import type { BatchService } from '../../service/batch-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; set for every `/api` route by the auth hook. */
    principal: Principal;
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function registerAuth(app: FastifyInstance, service: Pick<BatchService, 'authenticate'>): void {
  // Null until the hook runs (Fastify wants a reference-typed decoration to start as null).
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    if (!isApi(request.url)) return;
    request.principal = await service.authenticate(credentialOf(request));
  });
}

function isApi(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/**
 * The bearer credential of a request, or null for none. The header wins over `?token=` (a
 * link opened by a client that also holds a key).
 * @throws AppError UNAUTHORIZED for an `Authorization` header that is not a bearer credential.
 */
function credentialOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    if (match === null) {
      throw new AppError('UNAUTHORIZED', 'Send the key or token as `Authorization: Bearer <value>`.');
    }
    return match[1] ?? null;
  }
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token !== '' ? token : null;
}

/** A URL as the log may show it: a share token in its query replaced by `***`. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1***');
}

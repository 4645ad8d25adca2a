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

/**
 * @param limits `authFailed` runs when a credential is refused, before the 401 leaves, and
 *   throws instead once the address has failed too often; `limitRequests` counts each
 *   authenticated request against its caller's budget.
 */
export function registerAuth(
  app: FastifyInstance,
  service: Pick<BatchService, 'authenticate'>,
  limits: {
    authFailed: (request: FastifyRequest) => Promise<void>;
    limitRequests: (request: FastifyRequest) => Promise<void>;
  },
): void {
  // Null until the hook runs (Fastify wants a reference-typed decoration to start as null).
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    if (!isApi(request.url)) return;
    try {
      request.principal = await service.authenticate(credentialOf(request));
    } catch (error) {
      if (error instanceof AppError && error.code === 'UNAUTHORIZED') await limits.authFailed(request);
      throw error;
    }
    // Counted once the caller is known: a key's budget follows it across addresses.
    await limits.limitRequests(request);
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
export function credentialOf(request: FastifyRequest): string | null {
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

/**
 * Who a per-caller limit counts (requests, open streams): the API key, across its addresses,
 * else the client's address.
 */
export function callerKey(request: FastifyRequest): string {
  const principal = request.principal as Principal | null;
  return principal?.kind === 'key' ? `key:${principal.keyId}` : `ip:${request.ip}`;
}

/** A URL as the log may show it: a share token in its query replaced by `***`. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1***');
}

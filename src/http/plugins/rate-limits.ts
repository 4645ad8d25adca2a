/**
 * Abuse limits on the API (the counters of @fastify/rate-limit): requests per minute for each
 * caller — its API key when it has one, else its address — across every `/api` route, with a
 * tighter budget of its own for uploads; and failed authentications per address, so a key
 * cannot be guessed at speed. Past a limit: `429 RATE_LIMITED` with `Retry-After`, in the
 * error envelope. Counters live in this process: on several API nodes each counts its share.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { callerKey } from './auth.js';

export interface RateLimits {
  /** Requests to `/api` per minute per key or address; 0: no limit. */
  requestsPerMinute: number;
  /** Uploads (`POST /api/batches`) per minute per key or address; 0: no limit. */
  submitsPerMinute: number;
  /** Failed authentications per minute per address, past which they are answered 429; 0: no limit. */
  authFailuresPerMinute: number;
}

type Limiter = (request: FastifyRequest) => Promise<void>;

const MINUTE_MS = 60_000;
const none: Limiter = async () => undefined;

/**
 * Makes the limiters. Call `limitRequests` from a hook that runs after the auth hook, whose
 * principal names the caller; call `authFailed` when a credential is refused.
 */
export async function createRateLimits(
  app: FastifyInstance,
  limits: RateLimits,
): Promise<{ limitRequests: Limiter; authFailed: Limiter }> {
  // Only for its counters (`createRateLimit`): no route gets the plugin's own hooks.
  await app.register(rateLimit, { global: false });
  const limiter = (max: number, what: string, key: (request: FastifyRequest) => string): Limiter => {
    if (max <= 0) return none;
    const check = app.createRateLimit({ max, timeWindow: MINUTE_MS, keyGenerator: key });
    return async (request) => {
      const result = await check(request);
      if (result.isAllowed || !result.isExceeded) return;
      const retryAfterSeconds = Math.max(1, result.ttlInSeconds);
      throw new AppError(
        'RATE_LIMITED',
        `Too many ${what} (${max} a minute); try again in ${retryAfterSeconds} s.`,
        {
          details: { limit: max, retryAfterSeconds },
        },
      );
    };
  };
  const requests = limiter(limits.requestsPerMinute, 'requests', callerKey);
  const submits = limiter(limits.submitsPerMinute, 'uploads', (request) => `submit:${callerKey(request)}`);
  const authFailed = limiter(
    limits.authFailuresPerMinute,
    'failed authentications from this address',
    (request) => `auth:${request.ip}`,
  );
  const limitRequests: Limiter = async (request) => {
    const submit = request.method === 'POST' && request.routeOptions.url === '/api/batches';
    await (submit ? submits : requests)(request);
  };
  return { limitRequests, authFailed };
}

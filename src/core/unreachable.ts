/**
 * Whether an error means that a service (the database, Redis) could not be reached or
 * dropped the connection — worth waiting out and trying again — as opposed to a bug or a
 * query the service refused, which trying again would not mend.
 */

/** What the operating system says of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL's SQLSTATEs for the same: class 08 (connection exception), the server shutting
 * down or starting (57P01–57P03), and too many connections (53300).
 */
const POSTGRES_UNAVAILABLE = /^(?:08...|57P0[1-3]|53300)$/;

/**
 * What the clients throw themselves, with no code: node-postgres when a connection ends under
 * it or cannot be had in time; ioredis for a command on a closed connection or one that
 * outlived its reconnect attempts.
 */
const CLIENT_MESSAGES =
  /^(?:Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed\.|Reached the max retries per request limit)/;

export function isUnreachable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
    if (CLIENT_MESSAGES.test(cause.message)) return true;
    // An AggregateError (a host with several addresses) and wrapped errors carry the reason inside.
    if (cause instanceof AggregateError && cause.errors.some((e) => isUnreachable(e))) return true;
    cause = cause.cause;
  }
  return false;
}

export interface RetryWhileUnreachableOptions {
  /** Epoch ms after which the last error is thrown. */
  until: number;
  /** Told of the first failure that will be tried again. */
  onFirstRetry?: (error: unknown) => void;
}

/** Pauses between tries: short at first, so a blip costs little, then no more than this. */
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 2000;

/**
 * Runs `attempt` and, while it fails because a service is unreachable, again after a pause
 * (doubling from 100 ms to 2 s) until `until`. Any other error, or the last one, is thrown.
 */
export async function retryWhileUnreachable<T>(
  attempt: () => Promise<T>,
  opts: RetryWhileUnreachableOptions,
): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isUnreachable(error) || Date.now() + pause > opts.until) throw error;
      if (tries === 1) opts.onFirstRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

/**
 * Whether an error means that a service (the database, Redis) could not be reached or
 * dropped the connection — worth waiting out and trying again — as opposed to a bug or a
 * query the service refused, which trying again would not mend.
 */

/**
 * No connection was made, so no statement can have run: the OS found nothing at the address,
 * or PostgreSQL refused a new session (too many connections, still starting), or the pool
 * could not get a connection in time.
 */
const NEVER_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '53300',
  '57P03',
]);
const NEVER_CONNECTED_MESSAGES = /^timeout exceeded when trying to connect/;

/**
 * A connection lost under a statement, whose outcome is unknown: reset or cut by the
 * network, ended by the server (class 08 but 08P01, a protocol violation — our bug; 57P01
 * and 57P02, the server shutting down), or, with no code, by what the clients say: node-postgres
 * when a connection ends under it, ioredis for a command on a closed connection or one that
 * outlived its reconnect attempts.
 */
const LOST_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02']);
const LOST_POSTGRES_CLASS = /^08(?!P01)...$/;
const LOST_MESSAGES =
  /^(?:Connection terminated|Client has encountered a connection error|Connection is closed\.|Reached the max retries per request limit)/;

function isNeverConnected(error: Error, code: string | undefined): boolean {
  return (
    (code !== undefined && NEVER_CONNECTED_CODES.has(code)) || NEVER_CONNECTED_MESSAGES.test(error.message)
  );
}

function isLost(error: Error, code: string | undefined): boolean {
  return (
    (code !== undefined && (LOST_CODES.has(code) || LOST_POSTGRES_CLASS.test(code))) ||
    LOST_MESSAGES.test(error.message)
  );
}

/** The error, and what it wraps (`cause`, an AggregateError's errors), until one matches. */
function anyCause(error: unknown, test: (error: Error, code: string | undefined) => boolean): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (test(cause, typeof code === 'string' ? code : undefined)) return true;
    // A host with several addresses fails with an AggregateError of one error per address.
    if (cause instanceof AggregateError && cause.errors.some((e) => anyCause(e, test))) return true;
    cause = cause.cause;
  }
  return false;
}

export function isUnreachable(error: unknown): boolean {
  return anyCause(error, (e, code) => isNeverConnected(e, code) || isLost(e, code));
}

/**
 * True when the service was never reached, so what was asked of it cannot have happened;
 * false when it may have (a connection lost mid-statement: a commit whose answer was lost).
 */
export function neverReached(error: unknown): boolean {
  return isUnreachable(error) && !anyCause(error, isLost);
}

export interface RetryWhileUnreachableOptions {
  /** Epoch ms after which the last error is thrown. */
  until: number;
  /** Told of the first failure that will be tried again. */
  onFirstRetry?: (error: unknown) => void;
  /** Asked before each pause: true stops the tries (a shutdown), throwing the last error. */
  stop?: () => boolean;
  /** Other errors to wait out the same way (e.g. a full disk under the database). */
  alsoRetry?: (error: unknown) => boolean;
}

/** Pauses between tries: short at first, so a blip costs little, then no more than this. */
const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 2000;

/**
 * Runs `attempt` and, while it fails because a service is unreachable, again after a pause
 * (doubling from 100 ms to 2 s) until `until` or `stop()`. Any other error, or the last one,
 * is thrown.
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
      const worthIt = isUnreachable(error) || (opts.alsoRetry?.(error) ?? false);
      if (!worthIt || Date.now() + pause > opts.until || opts.stop?.()) throw error;
      if (tries === 1) opts.onFirstRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

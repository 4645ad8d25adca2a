/**
 * Keeps an outage from flooding the log. While Redis or the database is away, each of a
 * node's connections reports each failed reconnect, several a second between them; an
 * operator needs the first report and then a reminder now and then, not thousands of lines.
 */
import { isUnreachable } from './unreachable.js';

export interface ThrottleOptions {
  /** Told of an unreachable service: the first error of an address, then reminders. */
  unreachable: (error: unknown, leftOut: number) => void;
  /** Told of every other error. */
  other: (error: unknown) => void;
  /** Least time between two reports of one address. @defaultValue 30 s */
  everyMs?: number;
  now?: () => number;
}

/**
 * An error handler that reports an unreachable service's first error for each address, then
 * at most one every `everyMs` with how many it left out; other errors all go to `other`.
 */
export function throttleUnreachable(opts: ThrottleOptions): (error: unknown) => void {
  const everyMs = opts.everyMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const reported = new Map<string, { at: number; leftOut: number }>();
  return (error) => {
    if (!isUnreachable(error)) return opts.other(error);
    const where = addressOf(error);
    const last = reported.get(where);
    if (last && now() - last.at < everyMs) {
      last.leftOut += 1;
      return;
    }
    reported.set(where, { at: now(), leftOut: 0 });
    opts.unreachable(error, last?.leftOut ?? 0);
  };
}

/**
 * What failed: `host:port` of the connection (in an AggregateError, its first address), else
 * the message's start, which tells the clients apart ("Connection terminated" is PostgreSQL's,
 * "Connection is closed" Redis's), so that one service's outage never hides another's.
 */
function addressOf(error: unknown): string {
  const inner = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  for (const candidate of [error, ...inner]) {
    const { address, port } = candidate as { address?: unknown; port?: unknown };
    if (typeof address === 'string') return `${address}:${String(port)}`;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  return `${String(code ?? '')} ${String(message ?? '').slice(0, 30)}`;
}

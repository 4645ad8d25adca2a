/**
 * Times are epoch milliseconds everywhere inside filemill and ISO-8601 strings at its edges.
 * A time outside the plausible window is a bug — or a row written by one: an earlier version
 * passed `Number.MAX_SAFE_INTEGER` down as "now" and stored it. The store refuses to write
 * such a time, and every reader shows one it finds as unknown (null) instead of failing.
 */

/** 2000-01-01T00:00:00Z: nothing filemill records happened before. */
export const EARLIEST_TIME = Date.UTC(2000, 0, 1);
/** 3000-01-01T00:00:00Z: nothing filemill records happens after (leases and back-offs included). */
export const LATEST_TIME = Date.UTC(3000, 0, 1);

export function isPlausibleTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isInteger(ms) && ms >= EARLIEST_TIME && ms < LATEST_TIME;
}

/**
 * @throws Error (a bug, not a client's mistake) when `ms` is not a plausible time; `what`
 *   names the value in the message.
 */
export function assertPlausibleTime(ms: number, what: string): void {
  if (!isPlausibleTime(ms)) {
    throw new Error(`refusing to record ${what} = ${String(ms)}: not a time between 2000 and 3000`);
  }
}

/** The UTC calendar day of a time, `YYYY-MM-DD`: the period of a key's daily limit. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601, or null for no time or one that is not plausible (shown as unknown). */
export function iso(ms: number | null | undefined): string | null {
  return isPlausibleTime(ms) ? new Date(ms).toISOString() : null;
}

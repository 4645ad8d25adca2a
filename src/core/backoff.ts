/**
 * Delay before the next attempt of a transiently failed file: exponential, with jitter so
 * that files failed together (a crashed worker, a lost node) do not come back together.
 */

/**
 * @param attempt the attempt that just failed, from 1
 * @param baseMs the delay after the first failure, before jitter
 * @param random a number in [0, 1); injectable for tests
 * @returns milliseconds, between half and all of `baseMs × 2^(attempt−1)`, at most an hour
 */
export function retryDelayMs(attempt: number, baseMs: number, random: number = Math.random()): number {
  const ceiling = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

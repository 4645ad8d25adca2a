/**
 * At most `n` tasks at a time, the others waiting their turn in order. Reading files for
 * their thumbnails or their fingerprints all at once would decode hundreds of photos
 * together and stall the page; a task whose signal aborts while it waits never starts.
 */
export type Limiter = <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T>;

export function createLimiter(n: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  const next = () => {
    running--;
    waiting.shift()?.();
  };
  return <T>(task: () => Promise<T>, signal?: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      const start = () => {
        if (signal?.aborted) {
          // Its turn came after it stopped being wanted: pass the turn on.
          waiting.shift()?.();
          return reject(signal.reason);
        }
        running++;
        task().then(resolve, reject).finally(next);
      };
      if (running < n) start();
      else waiting.push(start);
    });
}

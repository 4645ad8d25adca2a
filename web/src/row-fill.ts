/**
 * Fills in the rows that live events made final. An event says a file's new status, not its
 * run's result: `file` holds index, name, status, progress and error only, without the time
 * or the sizes (shared/API.md, "Live progress"). A row shown in that state is read again from
 * the server (`GET /api/batches/:id/files/:index`): only rows drawn ask, so a batch of
 * thousands costs a screenful of requests, a few at a time, the latest asked first.
 */
import { useEffect, useMemo } from 'react';
import { api, type FileView } from './api.js';

/** Requests under way at once. */
const AT_ONCE = 4;
/** Rows waiting their turn; past this the oldest are let go (shown again, they ask again). */
const MOST_WAITING = 100;

/** `want(row)` asks for the row once; `apply` receives it as the server has it. */
export function useRowFill(batchId: string, apply: (row: FileView) => void): (row: FileView) => void {
  const loader = useMemo(() => {
    const asked = new Set<number>();
    const waiting: number[] = [];
    let running = 0;
    let stopped = false;
    const next = () => {
      while (!stopped && running < AT_ONCE && waiting.length > 0) {
        const index = waiting.pop()!;
        running++;
        api
          .file(batchId, index)
          .then(
            (row) => !stopped && apply(row),
            // Not filled now: the rows are all read again when the batch ends.
            () => undefined,
          )
          .finally(() => {
            asked.delete(index);
            running--;
            next();
          });
      }
    };
    return {
      want(row: FileView) {
        if (stopped || asked.has(row.index)) return;
        asked.add(row.index);
        waiting.push(row.index);
        if (waiting.length > MOST_WAITING) asked.delete(waiting.shift()!);
        next();
      },
      stop() {
        stopped = true;
      },
    };
  }, [batchId, apply]);
  useEffect(() => () => loader.stop(), [loader]);
  return loader.want;
}

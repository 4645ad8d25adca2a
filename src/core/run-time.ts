/**
 * How long a batch ran: the time during which at least one of its files was running — the
 * runs' own time, side by side counted once, without the wait between a batch's end and a
 * later retry. The report's `runMs` and the throughput it gives, the page's summary and its
 * "Took" all come from here: measured from the batch's start, a retry twenty minutes after
 * the end counted the idle twenty minutes as work.
 */

/** When a file's run started and ended: epoch ms or ISO 8601, null when it has not. */
export interface RunSpan {
  startedAt: number | string | null;
  finishedAt: number | string | null;
}

function epochMs(time: number | string | null): number {
  return typeof time === 'string' ? Date.parse(time) : (time ?? NaN);
}

/** The run time of `files` in ms: the union of their runs. Files without both times count for nothing. */
export function runMs(files: Iterable<RunSpan>): number {
  const spans = [...files]
    .map((f) => [epochMs(f.startedAt), epochMs(f.finishedAt)] as const)
    .filter(([start, end]) => Number.isFinite(start) && Number.isFinite(end) && end >= start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let open: [number, number] | null = null;
  for (const [start, end] of spans) {
    if (open && start <= open[1]) {
      open[1] = Math.max(open[1], end);
    } else {
      if (open) total += open[1] - open[0];
      open = [start, end];
    }
  }
  return open ? total + open[1] - open[0] : total;
}

/**
 * How fast a batch goes, as the page says it: the time its files spent running, a live
 * estimate of the time left, and rates that read well at any speed. Pure, so it is tested
 * without a browser.
 *
 * Every figure comes from the files' own runs — how long one file takes (a mean weighted to
 * the recent ones) and how many run side by side — never from the batch's age. Measured from
 * the batch's start, a retry twenty minutes after the end counted the idle twenty minutes as
 * work, and the first of four files ending together made the rest look four times as long.
 */
import { formatDuration } from '../../src/core/format.js';
import type { Counts } from '../../src/core/model.js';
import type { LiveEvent } from './live.js';

/** The newest file's share of the mean run time (0–1): lower swings less, higher follows change sooner. */
const NEWEST_WEIGHT = 0.2;

/** What the page has seen of a batch's runs, from its events. */
export interface Pace {
  /** When each file now running started (epoch ms), by index. */
  started: Readonly<Record<number, number>>;
  /** One file's run time in ms, a mean weighted to the recent ones; null before a file has ended. */
  fileMs: number | null;
  /**
   * How many files run side by side: the count running when a file last started (at least
   * 1). Not taken when one ends: the next waiting file starts a moment later.
   */
  lanes: number;
}

export const NO_PACE: Pace = { started: {}, fileMs: null, lanes: 1 };

/** The pace after `event`: a file that starts is timed, one that ends adds its time to the mean. */
export function trackPace(pace: Pace, event: LiveEvent): Pace {
  const at = event.at === null ? NaN : Date.parse(event.at);
  const file = event.file;
  if (!file || !Number.isFinite(at) || event.type === 'file.progress') return pace;
  if (event.type === 'file.started') {
    const lanes = Math.max(1, event.counts.running);
    return { lanes, fileMs: pace.fileMs, started: { ...pace.started, [file.index]: at } };
  }
  // Any other change ends the run the file was in: finished, cancelled, or back in the queue.
  const { [file.index]: start, ...started } = pace.started;
  let fileMs = pace.fileMs;
  if (start !== undefined && (file.status === 'succeeded' || file.status === 'failed')) {
    const ms = Math.max(0, at - start);
    fileMs = fileMs === null ? ms : fileMs + NEWEST_WEIGHT * (ms - fileMs);
  }
  return { ...pace, started, fileMs };
}

/**
 * Milliseconds until the batch ends at this pace: the files waiting at the mean time each,
 * plus what the running ones have left, shared among the lanes — and no less than the
 * running file furthest from its end needs. Null before a file has ended.
 */
export function remainingMs(pace: Pace, counts: Counts, now: number): number | null {
  const waiting = counts.queued + counts.retrying;
  if (waiting === 0 && counts.running === 0) return 0;
  if (pace.fileMs === null) return null;
  const fileMs = pace.fileMs;
  const runningLeft = Object.values(pace.started).map((start) => Math.max(0, fileMs - (now - start)));
  const lanes = Math.max(1, counts.running, pace.lanes);
  const shared = (waiting * fileMs + runningLeft.reduce((sum, ms) => sum + ms, 0)) / lanes;
  return Math.round(Math.max(shared, ...runningLeft));
}

/** Files per second at this pace (all lanes together); null before a file has ended. */
export function liveRate(pace: Pace): number | null {
  return pace.fileMs === null || pace.fileMs <= 0 ? null : (pace.lanes * 1000) / pace.fileMs;
}

/** A rate as a person reads it: `2.5 files/s`; below one a second `8.0 files/min`; below one a minute `2 min 30 s/file`. */
export function formatRate(filesPerSecond: number): string {
  if (!Number.isFinite(filesPerSecond) || filesPerSecond <= 0) return '–';
  if (filesPerSecond >= 1) return `${filesPerSecond.toFixed(1)} files/s`;
  if (filesPerSecond * 60 >= 1) return `${(filesPerSecond * 60).toFixed(1)} files/min`;
  return `${formatDuration(1000 / filesPerSecond)}/file`;
}

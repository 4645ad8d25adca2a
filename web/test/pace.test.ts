import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Counts, FileStatus } from '../../src/core/model.js';
import { estimateRemainingMs } from '../../src/core/progress.js';
import type { LiveEvent } from '../src/live.js';
import { formatRate, liveRate, NO_PACE, remainingMs, trackPace, type Pace } from '../src/pace.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const noCounts: Counts = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 };

function fileEvent(type: LiveEvent['type'], index: number, atMs: number, counts: Counts): LiveEvent {
  const status = (type === 'file.started' ? 'running' : type.slice('file.'.length)) as FileStatus;
  return {
    seq: 0,
    type,
    batchId: 'b_1',
    at: iso(atMs),
    status: 'running',
    file: { index, name: `f${index}`, status, progress: 0 },
    counts,
    progress: 0,
    etaMs: null,
  };
}

/** A pseudo-random 0–1 sequence, the same on every run. */
function seeded(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

/**
 * `total` files through `lanes` workers, each taking 30 s ± 20 %: every event in order, the
 * counts with it, and when the last file ends.
 */
function simulate(total: number, lanes: number) {
  const random = seeded(7);
  const events: LiveEvent[] = [];
  const counts = { ...noCounts, queued: total };
  const free = Array.from({ length: lanes }, () => 0);
  const ends: { index: number; at: number }[] = [];
  for (let index = 0; index < total; index++) {
    const lane = free.indexOf(Math.min(...free));
    const start = free[lane]!;
    free[lane] = start + 30_000 * (0.8 + 0.4 * random());
    ends.push({ index, at: free[lane]! });
    events.push({ ...fileEvent('file.started', index, start, counts), seq: start });
    events.push({ ...fileEvent('file.succeeded', index, free[lane]!, counts), seq: free[lane]! });
  }
  events.sort((a, b) => a.seq - b.seq || (a.type === 'file.succeeded' ? -1 : 1));
  for (const event of events) {
    if (event.type === 'file.started') {
      counts.queued--;
      counts.running++;
    } else {
      counts.running--;
      counts.succeeded++;
    }
    event.counts = { ...counts };
  }
  return { events, end: Math.max(...free) };
}

describe('the pace of a batch', () => {
  it('says a rate in the unit that reads: per second, per minute, or the time a file takes', () => {
    assert.equal(formatRate(12.34), '12.3 files/s');
    assert.equal(formatRate(1), '1.0 files/s');
    assert.equal(formatRate(4 / 30), '8.0 files/min', 'four workers at 30 s a file');
    assert.equal(formatRate(1 / 150), '2 min 30 s/file');
    assert.equal(formatRate(0), '–');
  });

  it('times each file from its start to its end, and leaves cancelled runs out of the mean', () => {
    const running = { ...noCounts, running: 2 };
    let pace: Pace = NO_PACE;
    pace = trackPace(pace, fileEvent('file.started', 0, 0, running));
    pace = trackPace(pace, fileEvent('file.started', 1, 1_000, running));
    assert.equal(remainingMs(pace, { ...running, queued: 4 }, 2_000), null, 'no file has ended yet');
    pace = trackPace(pace, fileEvent('file.succeeded', 0, 10_000, { ...running, running: 1 }));
    assert.equal(pace.fileMs, 10_000);
    assert.equal(pace.lanes, 2, 'the files that ran side by side when last seen');
    assert.equal(liveRate(pace), 0.2);
    pace = trackPace(pace, fileEvent('file.cancelled', 1, 11_000, noCounts));
    assert.equal(pace.fileMs, 10_000);
    assert.deepEqual(pace.started, {});
    assert.equal(remainingMs(pace, { ...noCounts, queued: 4 }, 12_000), 20_000, '4 files, 2 at a time');
    assert.equal(remainingMs(pace, noCounts, 12_000), 0, 'nothing left');
  });

  it('estimates the time left steadily from the first file on, even when files end together', () => {
    const { events, end } = simulate(40, 4);
    let pace: Pace = NO_PACE;
    const estimates: { at: number; eta: number; truth: number }[] = [];
    for (const event of events) {
      pace = trackPace(pace, event);
      const at = Date.parse(event.at!) - T0;
      const eta = remainingMs(pace, event.counts, T0 + at);
      if (event.type === 'file.succeeded' && eta !== null && event.counts.queued > 0)
        estimates.push({ at, eta, truth: end - at });
    }
    assert.ok(estimates.length > 30);
    // What the batch's own figure (from its age and the files done) says at the first end.
    const first = estimates[0]!;
    const counts = { ...noCounts, succeeded: 1, running: 3, queued: 36 };
    const byAge = estimateRemainingMs(counts, 40, 0, T0, T0 + first.at)!;
    assert.ok(byAge > 2.5 * first.truth, `by the batch's age: ${byAge} ms for ${first.truth} ms`);
    for (const { at, eta, truth } of estimates)
      assert.ok(
        eta > truth * 0.75 && eta < truth * 1.25,
        `at ${at} ms: ${eta} ms left said, ${truth} ms in truth`,
      );
    // From one estimate to the next, net of the time between them, the change stays small.
    for (let i = 1; i < estimates.length; i++) {
      const before = estimates[i - 1]!;
      const now = estimates[i]!;
      const expected = before.eta - (now.at - before.at);
      assert.ok(
        Math.abs(now.eta - expected) < 0.2 * before.eta + 5_000,
        `${before.eta} ms then ${now.eta} ms, ${now.at - before.at} ms later`,
      );
    }
  });
});

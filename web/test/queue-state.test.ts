import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchView, FileView } from '../src/api.js';
import type { LiveEvent } from '../src/live.js';
import { applyEvent, filesPerSecond, visibleRows } from '../src/queue-state.js';

const counts = { queued: 2, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 };
const batch = {
  id: 'b_1',
  status: 'queued',
  totalFiles: 2,
  counts,
  progress: 0,
  etaMs: null,
} as unknown as BatchView;
const row = (index: number, name: string, over: Partial<FileView> = {}): FileView =>
  ({
    index,
    name,
    status: 'queued',
    progress: 0,
    inputBytes: 100,
    outputBytes: null,
    durationMs: null,
    error: null,
    ...over,
  }) as FileView;

function event(
  seq: number,
  type: LiveEvent['type'],
  file?: LiveEvent['file'],
  over: Partial<LiveEvent> = {},
): LiveEvent {
  return {
    seq,
    type,
    batchId: 'b_1',
    at: '',
    status: 'running',
    file,
    counts,
    progress: 10,
    etaMs: 500,
    ...over,
  };
}

describe('the live queue', () => {
  it('moves a row and the batch with each event, leaving the other rows as they were', () => {
    const before = { batch, files: [row(0, 'a.jpg'), row(1, 'b.jpg')] };
    const started = applyEvent(
      before,
      event(2, 'file.started', { index: 1, name: 'b.jpg', status: 'running', progress: 0 }),
    );
    assert.equal(started.files[1]!.status, 'running');
    assert.equal(started.files[0], before.files[0], 'untouched rows are the same objects');
    assert.equal(started.batch.status, 'running');
    assert.equal(started.batch.etaMs, 500);
    const failed = applyEvent(
      started,
      event(3, 'file.failed', {
        index: 1,
        name: 'b.jpg',
        status: 'failed',
        progress: 100,
        error: { code: 'CORRUPT_INPUT', message: 'Broken.' },
      }),
    );
    assert.deepEqual(failed.files[1]!.error, { code: 'CORRUPT_INPUT', message: 'Broken.' });
    const retried = applyEvent(
      failed,
      event(4, 'file.retrying', { index: 1, name: 'b.jpg', status: 'queued', progress: 0 }),
    );
    assert.equal(retried.files[1]!.status, 'queued');
    assert.equal(retried.files[1]!.error, null, 'a file sent again has no error any more');
    assert.equal(before.files[1]!.status, 'queued', 'the old state is not changed');
  });

  it('filters by status and name and sorts', () => {
    const files = [
      row(0, 'b.jpg', { status: 'succeeded', outputBytes: 50, durationMs: 30 }),
      row(1, 'a.jpg', { status: 'failed', durationMs: 5 }),
      row(2, 'c.png', { status: 'running' }),
      row(3, 'd.jpg', { status: 'succeeded', outputBytes: 10, durationMs: 90 }),
    ];
    const names = (rows: FileView[]) => rows.map((f) => f.name);
    assert.deepEqual(names(visibleRows(files, { status: 'all', search: '', sort: 'name' })), [
      'a.jpg',
      'b.jpg',
      'c.png',
      'd.jpg',
    ]);
    assert.deepEqual(names(visibleRows(files, { status: 'all', search: '', sort: 'status' })), [
      'c.png',
      'a.jpg',
      'b.jpg',
      'd.jpg',
    ]);
    assert.deepEqual(names(visibleRows(files, { status: 'succeeded', search: '', sort: 'duration' })), [
      'd.jpg',
      'b.jpg',
    ]);
    assert.deepEqual(names(visibleRows(files, { status: 'all', search: 'JPG', sort: 'change' })), [
      'd.jpg',
      'b.jpg',
      'a.jpg',
    ]);
  });

  it('tells the rate in files per second once files have finished', () => {
    const started = { ...batch, startedAt: '2026-01-01T00:00:00.000Z' };
    const now = Date.parse('2026-01-01T00:00:04.000Z');
    assert.equal(filesPerSecond(started, now), null, 'nothing finished yet');
    assert.equal(filesPerSecond({ ...started, counts: { ...counts, succeeded: 6, failed: 2 } }, now), 2);
    assert.equal(filesPerSecond(batch, now), null, 'not started');
  });
});

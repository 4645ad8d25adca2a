import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchView, FileView } from '../src/api.js';
import type { LiveEvent } from '../src/live.js';
import { applyEvent, fillRow, queueState, visibleRows } from '../src/queue-state.js';

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
    const before = queueState(batch, [row(0, 'a.jpg'), row(1, 'b.jpg')]);
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

  it("keeps a row's result through the replay of older events, and drops it for a later run", () => {
    const done = row(0, 'a.jpg', {
      status: 'succeeded',
      progress: 100,
      outputBytes: 40,
      durationMs: 900,
      finishedAt: '2026-01-01T00:00:10.000Z',
    });
    const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
    const file = (status: FileView['status']) => ({ index: 0, name: 'a.jpg', status, progress: 0 });
    let state = queueState(batch, [done]);
    state = applyEvent(state, event(1, 'file.started', file('running'), { at: at(9) }));
    state = applyEvent(state, event(2, 'file.succeeded', file('succeeded'), { at: at(10) }));
    assert.equal(state.files[0]!.outputBytes, 40, 'the replay ends where the row was read');
    assert.equal(state.files[0]!.durationMs, 900);

    const failed = { ...done, status: 'failed' as const, outputBytes: null };
    state = queueState(batch, [failed]);
    state = applyEvent(state, event(3, 'file.retrying', file('queued'), { at: at(20) }));
    assert.equal(state.files[0]!.durationMs, null, 'the last run is over');
    state = applyEvent(state, event(4, 'file.succeeded', file('succeeded'), { at: at(30) }));
    assert.equal(state.files[0]!.finishedAt, null, 'done, its result not read yet');

    const read = { ...done, finishedAt: at(30), outputBytes: 55 };
    assert.equal(fillRow(state, read).files[0], read);
    const moved = applyEvent(state, event(5, 'file.retrying', file('queued'), { at: at(31) }));
    assert.equal(fillRow(moved, read), moved, 'a row read before it moved on is not taken');
  });
});

/**
 * Behaviour suite, part 5: the event log — which events each change appends, in which
 * order, numbered 1, 2, 3, … per batch, and what each one reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LEASE_MS,
  T0,
  assertNumbered,
  claim,
  counts,
  eventLog,
  failed,
  makeBatch,
  runNext,
  succeeded,
  typesOf,
  useStore,
  type StoreFactory,
  recoverAt,
} from './fixtures.js';

export function describeEvents(factory: StoreFactory): void {
  describe('the event log', () => {
    const store = useStore(factory);

    it('logs a two-file batch as queued, started, each file started and succeeded, then completed', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await runNext(store(), succeeded(), T0 + 100);
      await runNext(store(), succeeded(), T0 + 200);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), [
        'batch.queued',
        'batch.started',
        'file.started',
        'file.succeeded',
        'batch.progress',
        'file.started',
        'file.succeeded',
        'batch.completed',
      ]);
      assert.deepEqual(
        events.map((e) => [e.at, e.file?.index ?? null, e.status]),
        [
          [T0, null, 'queued'],
          [T0 + 100, null, 'running'],
          [T0 + 100, 0, 'running'],
          [T0 + 101, 0, 'running'],
          [T0 + 101, null, 'running'],
          [T0 + 200, 1, 'running'],
          [T0 + 201, 1, 'completed'],
          [T0 + 201, null, 'completed'],
        ],
      );
      assert.ok(events.every((e) => e.batchId === input.id));
    });

    it('reports the batch status, counts, progress and ETA after each change, and the file as it is', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const first = await claim(store(), T0 + 100);
      await store().completeFile(input.id, 0, first.leaseOwner, succeeded(), T0 + 200);
      const second = await claim(store(), T0 + 300);
      await store().completeFile(input.id, 1, second.leaseOwner, failed(), T0 + 400);
      const events = await eventLog(store(), input.id);
      const batchId = input.id;
      assert.deepEqual(events[0], {
        seq: 1,
        type: 'batch.queued',
        batchId,
        at: T0,
        status: 'queued',
        counts: counts({ queued: 2 }),
        progress: 0,
        etaMs: null,
      });
      assert.deepEqual(events[2], {
        seq: 3,
        type: 'file.started',
        batchId,
        at: T0 + 100,
        status: 'running',
        file: { index: 0, name: 'trip/day0/photo-0.jpg', status: 'running', progress: 0 },
        counts: counts({ queued: 1, running: 1 }),
        progress: 0,
        etaMs: null,
      });
      // A succeeded file names its output, so a client can fetch it at once; the others do not.
      assert.deepEqual(events[3]?.file, {
        index: 0,
        name: 'trip/day0/photo-0.jpg',
        status: 'succeeded',
        progress: 100,
        outputName: 'trip/day0/photo-0.webp',
      });
      // One of two files done, 100 ms after the start: one more file, 100 ms more.
      assert.deepEqual(events[4], {
        seq: 5,
        type: 'batch.progress',
        batchId,
        at: T0 + 200,
        status: 'running',
        counts: counts({ queued: 1, succeeded: 1 }),
        progress: 50,
        etaMs: 100,
      });
      assert.deepEqual(events[6]?.file, {
        index: 1,
        name: 'trip/day1/photo-1.jpg',
        status: 'failed',
        progress: 0,
        error: { code: 'CORRUPT_INPUT', message: 'The file is damaged.' },
      });
      assert.deepEqual(events[7], {
        seq: 8,
        type: 'batch.completed',
        batchId,
        at: T0 + 400,
        status: 'completed_with_errors',
        counts: counts({ succeeded: 1, failed: 1 }),
        progress: 100,
        etaMs: 0,
      });
    });

    it('logs file.progress only when its owner changes the value, counting it in the batch progress', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const leased = await claim(store(), T0);
      await store().setProgress(input.id, 0, leased.leaseOwner, 50, Date.now());
      await store().setProgress(input.id, 0, leased.leaseOwner, 49.6, Date.now());
      await store().setProgress(input.id, 0, 'someone-else', 70, Date.now());
      await store().setProgress(input.id, 1, leased.leaseOwner, 70, Date.now());
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), ['batch.queued', 'batch.started', 'file.started', 'file.progress']);
      const last = events[3];
      assert.deepEqual(last?.file, {
        index: 0,
        name: 'trip/day0/photo-0.jpg',
        status: 'running',
        progress: 50,
      });
      assert.deepEqual(last?.counts, counts({ queued: 1, running: 1 }));
      assert.equal(last?.status, 'running');
      assert.equal(last?.progress, 25, 'half of one file of two');
      assert.equal(last?.etaMs, null, 'no file finished yet');
      assert.equal(typeof last?.at, 'number');
    });

    it('logs files refused at submission as failed right after batch.queued, in index order', async () => {
      const input = makeBatch({ files: 3, refused: [2, 0] });
      await store().createBatch(input);
      const events = await eventLog(store(), input.id);
      assert.deepEqual(typesOf(events), ['batch.queued', 'file.failed', 'file.failed']);
      assert.deepEqual(
        events.map((e) => [e.seq, e.file?.index ?? null, e.file?.error?.code ?? null]),
        [
          [1, null, null],
          [2, 0, 'UNSUPPORTED_TYPE'],
          [3, 2, 'UNSUPPORTED_TYPE'],
        ],
      );
      assert.ok(events.every((e) => e.status === 'queued' && e.at === T0));
      assert.deepEqual(events[2]?.counts, counts({ queued: 1, failed: 2 }));
      assert.equal(events[2]?.progress, 67);
    });

    it('ends a batch whose every file was refused with batch.failed at creation', async () => {
      const input = makeBatch({ files: 2, refused: [0, 1] });
      const batch = await store().createBatch(input);
      assert.equal(batch.status, 'failed');
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), ['batch.queued', 'file.failed', 'file.failed', 'batch.failed']);
      assert.equal(events.at(-1)?.status, 'failed');
    });

    it('numbers every event 1, 2, 3, … with no gap through a whole life', async () => {
      const input = makeBatch({ files: 4, refused: [3] });
      const id = input.id;
      await store().createBatch(input);
      const first = await claim(store(), T0 + 10);
      await store().setProgress(id, 0, first.leaseOwner, 40, Date.now());
      await store().setProgress(id, 0, first.leaseOwner, 40, Date.now());
      await store().completeFile(id, 0, first.leaseOwner, succeeded(), T0 + 20);
      const second = await claim(store(), T0 + 30);
      const timeout = { code: 'TIMEOUT', message: 'Took too long.' } as const;
      const retrying = { kind: 'retrying', error: timeout, notBefore: T0 + 10_000 } as const;
      await store().completeFile(id, 1, second.leaseOwner, retrying, T0 + 40);
      assert.equal((await claim(store(), T0 + 50, 'doomed-runner')).file.index, 2);
      assert.equal(await store().recoverExpiredLeases(recoverAt(T0 + 50 + LEASE_MS + 1, 3)), 1);
      const later = T0 + LEASE_MS + 100;
      assert.deepEqual(await store().cancel(id, null, later), { running: [] });
      await store().cancel(id, null, later + 1);
      assert.equal(await store().retry(id, null, later + 2), 3);
      await runNext(store(), failed(), later + 10);
      await runNext(store(), succeeded(), later + 20);
      await claim(store(), later + 30, 'lost-runner');
      assert.equal(await store().recoverExpiredLeases(recoverAt(later + 30 + LEASE_MS + 1, 1)), 1);

      const events = await eventLog(store(), id);
      assertNumbered(events);
      assert.deepEqual(
        events.map((e) => [e.type, e.file?.index ?? null]),
        [
          ...[
            ['batch.queued', null],
            ['file.failed', 3],
          ],
          ...[
            ['batch.started', null],
            ['file.started', 0],
            ['file.progress', 0],
          ],
          ...[
            ['file.succeeded', 0],
            ['batch.progress', null],
          ],
          ...[
            ['file.started', 1],
            ['file.retrying', 1],
          ],
          ...[
            ['file.started', 2],
            ['file.retrying', 2],
          ],
          ...[
            ['file.cancelled', 1],
            ['file.cancelled', 2],
            ['batch.cancelled', null],
          ],
          ...[
            ['file.retrying', 1],
            ['file.retrying', 2],
            ['file.retrying', 3],
            ['batch.started', null],
          ],
          ...[
            ['file.started', 1],
            ['file.failed', 1],
            ['batch.progress', null],
          ],
          ...[
            ['file.started', 2],
            ['file.succeeded', 2],
            ['batch.progress', null],
          ],
          ...[
            ['file.started', 3],
            ['file.failed', 3],
            ['batch.completed', null],
          ],
        ],
      );
      assert.equal(events.at(-2)?.file?.error?.code, 'WORKER_CRASHED');
      assert.equal(events.at(-1)?.status, 'completed_with_errors');
      assert.equal(events.find((e) => e.type === 'batch.cancelled')?.status, 'cancelled');
    });

    it('appends the end event exactly once, last, however late the runs report', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const ending = await claim(store(), T0, 'ending-runner');
      await claim(store(), T0, 'dead-runner');
      assert.deepEqual(await store().cancel(input.id, null, T0 + 10), { running: [0, 1] });
      await store().completeFile(input.id, ending.file.index, ending.leaseOwner, failed(), T0 + 20);
      assert.equal(await store().recoverExpiredLeases(recoverAt(T0 + LEASE_MS + 1, 3)), 1);
      // Nothing after the end: a second cancel, a late report, a retry of nothing.
      await store().cancel(input.id, null, T0 + LEASE_MS + 2);
      assert.equal(
        await store().completeFile(input.id, 1, 'dead-runner', succeeded(), T0 + LEASE_MS + 3),
        false,
      );
      assert.equal(await store().retry(input.id, [], T0 + LEASE_MS + 4), 0);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), [
        'batch.queued',
        'batch.started',
        'file.started',
        'file.started',
        'file.cancelled',
        'batch.progress',
        'file.cancelled',
        'batch.cancelled',
      ]);
    });

    it('logs a cancelled waiting file with batch.progress while its batch goes on', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await store().cancel(input.id, 1, T0 + 10);
      await store().cancel(input.id, 1, T0 + 20);
      const events = await eventLog(store(), input.id);
      assert.deepEqual(typesOf(events), ['batch.queued', 'file.cancelled', 'batch.progress']);
      assert.deepEqual(events[1]?.file, {
        index: 1,
        name: 'trip/day1/photo-1.jpg',
        status: 'cancelled',
        progress: 0,
      });
      assert.deepEqual(events[2]?.counts, counts({ queued: 1, cancelled: 1 }));
      assert.equal(events[2]?.status, 'queued');
    });

    it('logs batch.queued when a retry reopens a batch that never started, then batch.started at its claim', async () => {
      const input = makeBatch({ files: 2, refused: [0, 1] });
      await store().createBatch(input);
      assert.equal(await store().retry(input.id, null, T0 + 10), 2);
      await claim(store(), T0 + 20);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events).slice(4), [
        'file.retrying',
        'file.retrying',
        'batch.queued',
        'batch.started',
        'file.started',
      ]);
      assert.equal(events[6]?.status, 'queued');
    });
  });
}

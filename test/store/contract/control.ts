/**
 * Behaviour suite, part 3: what a person asks of a batch — cancel it or one file, retry
 * what failed or was cancelled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, type ErrorCode } from '../../../src/core/errors.js';
import {
  T0,
  claim,
  consistentBatch,
  counts,
  failed,
  getBatch,
  makeBatch,
  runNext,
  succeeded,
  useStore,
  type StoreFactory,
} from './fixtures.js';

function appError(code: ErrorCode) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

export function describeControl(factory: StoreFactory): void {
  describe('cancelling', () => {
    const store = useStore(factory);

    it('cancels waiting files at once and only flags running ones, returning them', async () => {
      const input = makeBatch({ files: 4 });
      await store().createBatch(input);
      const running = await claim(store(), T0);
      const retrying = await claim(store(), T0);
      await store().completeFile(
        input.id,
        retrying.file.index,
        retrying.leaseOwner,
        {
          kind: 'retrying',
          error: { code: 'TIMEOUT', message: 'Took too long.' },
          notBefore: T0 + 60_000,
        },
        T0 + 5,
      );

      assert.deepEqual(await store().cancel(input.id, null, T0 + 10), { running: [running.file.index] });
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ running: 1, cancelled: 3 }));
      assert.equal(batch.cancelRequested, true);
      assert.equal(batch.status, 'running', 'not final while a file still runs');
      assert.equal(batch.finishedAt, null);
      const files = await store().allFiles(input.id);
      assert.deepEqual(
        files.map((f) => [f.status, f.cancelRequested]),
        [
          ['running', true],
          ['cancelled', false],
          ['cancelled', false],
          ['cancelled', false],
        ],
      );
      assert.equal(files[1]?.finishedAt, T0 + 10);
      assert.equal(
        await store().claimNextFile({ owner: 'r', node: 'n', leaseMs: 1000, now: T0 + 70_000 }),
        null,
      );
    });

    it('ends a running file cancelled, without error, when its cancelled run reports a failure', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const leased = await claim(store(), T0);
      await store().cancel(input.id, null, T0 + 10);
      assert.equal(await store().completeFile(input.id, 0, leased.leaseOwner, failed(), T0 + 20), true);
      const file = await store().getFile(input.id, 0);
      assert.equal(file?.status, 'cancelled');
      assert.equal(file?.error, null);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'cancelled');
      assert.equal(batch.finishedAt, T0 + 20);
    });

    it('keeps a running file succeeded when its run succeeds despite the cancel', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const leased = await claim(store(), T0);
      await store().cancel(input.id, null, T0 + 10);
      assert.equal(await store().completeFile(input.id, 0, leased.leaseOwner, succeeded(300), T0 + 20), true);
      assert.equal((await store().getFile(input.id, 0))?.status, 'succeeded');
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ succeeded: 1, cancelled: 1 }));
      assert.equal(batch.status, 'cancelled');
      assert.equal(batch.outputBytes, 300);
    });

    it('turns a batch with nothing running cancelled at once', async () => {
      const input = makeBatch({ files: 3 });
      await store().createBatch(input);
      assert.deepEqual(await store().cancel(input.id, null, T0 + 10), { running: [] });
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'cancelled');
      assert.equal(batch.finishedAt, T0 + 10);
      assert.deepEqual(batch.counts, counts({ cancelled: 3 }));
    });

    it('is idempotent: a second batch cancel changes nothing', async () => {
      const input = makeBatch({ files: 3 });
      await store().createBatch(input);
      await claim(store(), T0);
      const first = await store().cancel(input.id, null, T0 + 10);
      const after = await consistentBatch(store(), input.id);
      assert.deepEqual(await store().cancel(input.id, null, T0 + 20), first);
      assert.deepEqual(await consistentBatch(store(), input.id), after);
    });

    it('leaves a finished batch as it ended', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      await runNext(store(), succeeded(), T0);
      const before = await consistentBatch(store(), input.id);
      assert.deepEqual(await store().cancel(input.id, null, T0 + 50), { running: [] });
      const after = await consistentBatch(store(), input.id);
      assert.deepEqual(after, before);
      assert.equal(after.status, 'completed');
      assert.equal(after.cancelRequested, false);
    });

    it('cancels one file without cancelling its batch', async () => {
      const input = makeBatch({ files: 3 });
      await store().createBatch(input);
      const running = await claim(store(), T0);
      assert.deepEqual(await store().cancel(input.id, 2, T0 + 10), { running: [] });
      assert.deepEqual(await store().cancel(input.id, running.file.index, T0 + 10), {
        running: [running.file.index],
      });
      let batch = await consistentBatch(store(), input.id);
      assert.equal(batch.cancelRequested, false);
      assert.deepEqual(batch.counts, counts({ queued: 1, running: 1, cancelled: 1 }));
      assert.equal((await store().getFile(input.id, 2))?.finishedAt, T0 + 10);

      await store().completeFile(input.id, running.file.index, running.leaseOwner, failed(), T0 + 20);
      await runNext(store(), succeeded(), T0 + 30);
      batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ succeeded: 1, cancelled: 2 }));
      assert.equal(batch.status, 'completed_with_errors');
      // A finished file stays as it ended.
      assert.deepEqual(await store().cancel(input.id, 1, T0 + 40), { running: [] });
      assert.equal((await store().getFile(input.id, 1))?.status, 'succeeded');
    });

    it('reports NOT_FOUND for a batch or file that does not exist', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      await assert.rejects(store().cancel(input.id, 5, T0), appError('NOT_FOUND'));
      await assert.rejects(
        store().cancel(makeBatch({ createdAt: T0 + 1 }).id, null, T0),
        appError('NOT_FOUND'),
      );
    });
  });

  describe('the combined analysis (aggregate)', () => {
    const store = useStore(factory);

    it('is stored only for the run of the batch that ended at the given time, and a retry clears it', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await runNext(store(), succeeded(), T0);
      assert.equal(await store().setAggregate(input.id, { documents: 1 }, T0), false, 'not while running');
      await runNext(store(), failed(), T0 + 10);
      const ended = await getBatch(store(), input.id);
      assert.equal(ended.finishedAt, T0 + 11);
      assert.equal(await store().setAggregate(input.id, { documents: 1 }, T0 + 5), false, 'another end');
      assert.equal(await store().setAggregate(input.id, { documents: 1, terms: ['a'] }, T0 + 11), true);
      assert.deepEqual((await getBatch(store(), input.id)).aggregate, { documents: 1, terms: ['a'] });

      await store().retry(input.id, null, T0 + 20);
      assert.equal((await getBatch(store(), input.id)).aggregate, null, 'a retry makes it stale');
      assert.equal(await store().setAggregate(input.id, { documents: 1 }, T0 + 11), false);
      assert.equal(await store().setAggregate('b_missing', {}, T0 + 11), false);
    });
  });

  describe('retrying', () => {
    const store = useStore(factory);

    /** A finished batch: 0 succeeded, 1 failed, 2 cancelled, 3 refused at submission. */
    async function finishedBatch() {
      const input = makeBatch({ files: 4, refused: [3] });
      await store().createBatch(input);
      await runNext(store(), succeeded(700), T0);
      await runNext(store(), failed(), T0 + 10);
      await store().cancel(input.id, 2, T0 + 20);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'completed_with_errors');
      return input.id;
    }

    it('queues every failed and cancelled file again, resetting their run but keeping attempts', async () => {
      const id = await finishedBatch();
      assert.equal(await store().retry(id, null, T0 + 100), 3);
      const batch = await consistentBatch(store(), id);
      assert.deepEqual(batch.counts, counts({ succeeded: 1, queued: 3 }));
      assert.equal(batch.status, 'running');
      assert.equal(batch.finishedAt, null);
      assert.equal(batch.outputBytes, 700, 'the kept output still counts');
      const files = await store().allFiles(id);
      assert.deepEqual(
        files.map((f) => f.status),
        ['succeeded', 'queued', 'queued', 'queued'],
      );
      const retried = files[1];
      assert.equal(retried?.attempts, 1);
      assert.equal(retried?.progress, 0);
      assert.equal(retried?.error, null);
      assert.equal(retried?.details, null);
      assert.equal(retried?.outputBytes, null);
      assert.equal(retried?.finishedAt, null);
      assert.equal(retried?.outputName, 'trip/day1/photo-1.webp', 'the output name is kept');

      const again = await claim(store(), T0 + 200);
      assert.equal(again.file.index, 1);
      assert.equal(again.file.attempts, 2);
    });

    it('retries only the listed files', async () => {
      const id = await finishedBatch();
      assert.equal(await store().retry(id, [2, 2], T0 + 100), 1);
      const batch = await consistentBatch(store(), id);
      assert.deepEqual(batch.counts, counts({ succeeded: 1, failed: 2, queued: 1 }));
      assert.equal((await store().getFile(id, 2))?.status, 'queued');
    });

    it('refuses with CONFLICT to retry a file that is not failed or cancelled, changing nothing', async () => {
      const id = await finishedBatch();
      const before = await consistentBatch(store(), id);
      await assert.rejects(store().retry(id, [1, 0], T0 + 100), appError('CONFLICT'));
      assert.deepEqual(await consistentBatch(store(), id), before);
      assert.equal((await store().getFile(id, 1))?.status, 'failed');
    });

    it('refuses with NOT_FOUND an index or a batch that does not exist', async () => {
      const id = await finishedBatch();
      const before = await consistentBatch(store(), id);
      await assert.rejects(store().retry(id, [1, 9], T0 + 100), appError('NOT_FOUND'));
      await assert.rejects(
        store().retry(makeBatch({ createdAt: T0 + 5 }).id, null, T0),
        appError('NOT_FOUND'),
      );
      assert.deepEqual(await consistentBatch(store(), id), before);
    });

    it('clears the cancel of a cancelled batch so it can finish otherwise', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await store().cancel(input.id, null, T0);
      assert.equal((await consistentBatch(store(), input.id)).status, 'cancelled');
      assert.equal(await store().retry(input.id, null, T0 + 10), 2);
      let batch = await consistentBatch(store(), input.id);
      assert.equal(batch.cancelRequested, false);
      assert.equal(batch.finishedAt, null);
      assert.equal((await store().getFile(input.id, 0))?.cancelRequested, false);
      await runNext(store(), succeeded(), T0 + 20);
      await runNext(store(), succeeded(), T0 + 30);
      batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'completed');
      assert.equal(batch.finishedAt, T0 + 31);
    });

    it('does nothing when there is nothing to retry', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      await runNext(store(), succeeded(), T0);
      const before = await consistentBatch(store(), input.id);
      assert.equal(await store().retry(input.id, null, T0 + 10), 0);
      assert.deepEqual(await consistentBatch(store(), input.id), before);
    });
  });
}

/**
 * Behaviour suite, part 1: creating, reading, listing and deleting batches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/core/errors.js';
import {
  T0,
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

export function describeBatches(factory: StoreFactory): void {
  describe('batches', () => {
    const store = useStore(factory);

    it('answers ping and can migrate again without harm', async () => {
      await store().ping();
      await store().migrate();
      const batch = makeBatch();
      await store().createBatch(batch);
      assert.equal((await getBatch(store(), batch.id)).totalFiles, 3);
    });

    it('returns a created batch as it was submitted, with its files queued', async () => {
      const input = makeBatch({
        files: 3,
        owner: 'key-1',
        settings: { nested: { a: [1, 'b', null] }, q: 0.5 },
      });
      const created = await store().createBatch(input);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(created, batch);
      assert.equal(batch.status, 'queued');
      assert.equal(batch.processor, 'image');
      assert.equal(batch.preset, 'web');
      assert.deepEqual(batch.settings, { nested: { a: [1, 'b', null] }, q: 0.5 });
      assert.equal(batch.totalFiles, 3);
      assert.deepEqual(batch.counts, counts({ queued: 3 }));
      assert.equal(batch.inputBytes, 1000 + 1001 + 1002);
      assert.equal(batch.outputBytes, 0);
      assert.equal(batch.cancelRequested, false);
      assert.equal(batch.runningProgress, 0);
      assert.equal(batch.aggregate, null);
      assert.deepEqual([batch.createdAt, batch.startedAt, batch.finishedAt], [T0, null, null]);

      const files = await store().allFiles(input.id);
      assert.deepEqual(
        files.map((f) => [f.index, f.name, f.status, f.contentType, f.inputBytes, f.outputName, f.attempts]),
        input.files.map((f) => [f.index, f.name, 'queued', 'image/jpeg', f.inputBytes, f.outputName, 0]),
      );
      const first = await store().getFile(input.id, 0);
      assert.deepEqual(first, files[0]);
      assert.equal(first?.progress, 0);
      assert.equal(first?.error, null);
      assert.equal(first?.cancelRequested, false);
    });

    it('returns null for a batch, file or access record that does not exist', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      assert.equal(await store().getBatch(makeBatch({ createdAt: T0 + 1 }).id), null);
      assert.equal(await store().getFile(input.id, 1), null);
      assert.equal(await store().getBatchAccess('b_nosuchbatch000000000000'), null);
    });

    it('gives the token hash and owner for authorisation', async () => {
      const input = makeBatch({ owner: 'key-7' });
      await store().createBatch(input);
      assert.deepEqual(await store().getBatchAccess(input.id), {
        tokenHash: input.tokenHash,
        owner: 'key-7',
      });
    });

    it("counts an owner's unfinished batches and the bytes it uploaded per UTC day, deletions included", async () => {
      const day = new Date(T0).toISOString().slice(0, 10);
      const first = makeBatch({ owner: 'k_usage', files: 2 });
      const second = makeBatch({ owner: 'k_usage', files: 1, createdAt: T0 + 1 });
      const tomorrow = makeBatch({ owner: 'k_usage', files: 1, createdAt: T0 + 86_400_000 });
      const refused = makeBatch({ owner: 'k_usage', files: 1, refused: [0], createdAt: T0 + 2 });
      for (const batch of [first, second, tomorrow, refused]) await store().createBatch(batch);
      await store().createBatch(makeBatch({ owner: 'k_other', createdAt: T0 + 3 }));
      const bytes = (b: typeof first) => b.files.reduce((sum, f) => sum + f.inputBytes, 0);
      const today = bytes(first) + bytes(second) + bytes(refused);
      // The refused batch is finished at creation.
      assert.deepEqual(await store().ownerUsage('k_usage', day), { unfinishedBatches: 3, bytesToday: today });
      await store().deleteBatch(first.id);
      assert.deepEqual(await store().ownerUsage('k_usage', day), { unfinishedBatches: 2, bytesToday: today });
      assert.deepEqual(await store().ownerUsage('k_nobody', day), { unfinishedBatches: 0, bytesToday: 0 });
    });

    it('replaces the token hash of a batch, and of no other; false for a batch that does not exist', async () => {
      const input = makeBatch({ owner: 'key-7' });
      const other = makeBatch({ createdAt: T0 + 1 });
      await store().createBatch(input);
      await store().createBatch(other);
      assert.equal(await store().setBatchToken(input.id, 'b'.repeat(64)), true);
      assert.deepEqual(await store().getBatchAccess(input.id), { tokenHash: 'b'.repeat(64), owner: 'key-7' });
      assert.equal((await store().getBatchAccess(other.id))?.tokenHash, other.tokenHash);
      assert.equal(await store().setBatchToken('b_nosuchbatch000000000000', 'c'.repeat(64)), false);
    });

    it('counts files refused at submission as failed, with their error, and keeps the batch going', async () => {
      const input = makeBatch({ files: 3, refused: [1] });
      await store().createBatch(input);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ queued: 2, failed: 1 }));
      assert.equal(batch.finishedAt, null);
      assert.ok(!['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(batch.status));
      const refused = await store().getFile(input.id, 1);
      assert.equal(refused?.status, 'failed');
      assert.deepEqual(refused?.error, {
        code: 'UNSUPPORTED_TYPE',
        message: 'The processor does not accept this file.',
      });
    });

    it('makes a batch whose every file was refused failed and finished at creation', async () => {
      const input = makeBatch({ files: 2, refused: [0, 1] });
      const created = await store().createBatch(input);
      assert.equal(created.status, 'failed');
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'failed');
      assert.equal(batch.finishedAt, T0);
      assert.deepEqual(batch.counts, counts({ failed: 2 }));
      assert.equal(await store().claimNextFile({ owner: 'r', node: 'n', leaseMs: 1000, now: T0 + 5 }), null);
    });

    it('lists batches newest first, page by page, each exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const input = makeBatch({ createdAt: T0 + i * 1000, files: 1 });
        ids.push(input.id);
        await store().createBatch(input);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store().listBatches({ limit: 2, ...(cursor ? { cursor } : {}) });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((b) => b.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...ids].reverse());
    });

    it('gives no next cursor when a page ends exactly at the last batch', async () => {
      for (let i = 0; i < 2; i++) await store().createBatch(makeBatch({ createdAt: T0 + i, files: 1 }));
      const page = await store().listBatches({ limit: 2 });
      assert.equal(page.items.length, 2);
      assert.equal(page.nextCursor, null);
    });

    it('filters the batch list by status and by owner', async () => {
      const done = makeBatch({ createdAt: T0, files: 1, owner: 'key-1' });
      const waiting = makeBatch({ createdAt: T0 + 1, files: 1, owner: 'key-2' });
      const anonymous = makeBatch({ createdAt: T0 + 2, files: 1, owner: null });
      for (const b of [done, waiting, anonymous]) await store().createBatch(b);
      await runNext(store(), succeeded(), T0 + 10);

      const completed = await store().listBatches({ limit: 10, status: 'completed' });
      assert.deepEqual(
        completed.items.map((b) => b.id),
        [done.id],
      );
      const queued = await store().listBatches({ limit: 10, status: 'queued' });
      assert.deepEqual(
        queued.items.map((b) => b.id),
        [anonymous.id, waiting.id],
      );
      const mine = await store().listBatches({ limit: 10, owner: 'key-2' });
      assert.deepEqual(
        mine.items.map((b) => b.id),
        [waiting.id],
      );
      const ownerless = await store().listBatches({ limit: 10, owner: null });
      assert.deepEqual(
        ownerless.items.map((b) => b.id),
        [anonymous.id],
      );
    });

    it('lists files by index, page by page, and filters them by status', async () => {
      const input = makeBatch({ files: 5, refused: [1, 3] });
      await store().createBatch(input);
      const first = await store().listFiles(input.id, { limit: 2 });
      assert.deepEqual(
        first.items.map((f) => f.index),
        [0, 1],
      );
      assert.ok(first.nextCursor);
      const second = await store().listFiles(input.id, { limit: 2, cursor: first.nextCursor });
      assert.deepEqual(
        second.items.map((f) => f.index),
        [2, 3],
      );
      assert.ok(second.nextCursor);
      const last = await store().listFiles(input.id, { limit: 2, cursor: second.nextCursor });
      assert.deepEqual(
        last.items.map((f) => f.index),
        [4],
      );
      assert.equal(last.nextCursor, null);

      const refused = await store().listFiles(input.id, { limit: 1, status: 'failed' });
      assert.deepEqual(
        refused.items.map((f) => f.index),
        [1],
      );
      assert.ok(refused.nextCursor);
      const refusedRest = await store().listFiles(input.id, {
        limit: 1,
        status: 'failed',
        cursor: refused.nextCursor,
      });
      assert.deepEqual(
        refusedRest.items.map((f) => f.index),
        [3],
      );
      assert.equal(refusedRest.nextCursor, null);
    });

    it('refuses a cursor it did not make', async () => {
      const input = makeBatch();
      await store().createBatch(input);
      const isInvalid = (e: unknown) => e instanceof AppError && e.code === 'INVALID_REQUEST';
      await assert.rejects(store().listFiles(input.id, { limit: 2, cursor: 'bm90LWEtY3Vyc29y' }), isInvalid);
      await assert.rejects(store().listBatches({ limit: 2, cursor: '!!' }), isInvalid);
    });

    it('deletes a batch with its files, once, leaving other batches alone', async () => {
      const doomed = makeBatch({ createdAt: T0 });
      const kept = makeBatch({ createdAt: T0 + 1 });
      await store().createBatch(doomed);
      await store().createBatch(kept);
      assert.equal(await store().deleteBatch(doomed.id), true);
      assert.equal(await store().deleteBatch(doomed.id), false);
      assert.equal(await store().getBatch(doomed.id), null);
      assert.deepEqual(await store().allFiles(doomed.id), []);
      assert.equal(await store().getFile(doomed.id, 0), null);
      assert.equal((await store().allFiles(kept.id)).length, 3);
      // No file row was left behind under the old id: the same id can be used again.
      await store().createBatch(doomed);
      assert.equal((await store().allFiles(doomed.id)).length, 3);
    });

    it('lists batches finished before a time, oldest finish first, up to the limit', async () => {
      const a = makeBatch({ createdAt: T0, files: 1 });
      const b = makeBatch({ createdAt: T0 + 1, files: 1 });
      const c = makeBatch({ createdAt: T0 + 2, files: 1 });
      const running = makeBatch({ createdAt: T0 + 3, files: 1 });
      for (const x of [a, b, c, running]) await store().createBatch(x);
      await runNext(store(), failed(), T0 + 100); // a finishes at T0 + 101
      await runNext(store(), succeeded(), T0 + 200); // b at T0 + 201
      await runNext(store(), succeeded(), T0 + 300); // c at T0 + 301
      await store().claimNextFile({ owner: 'r', node: 'n', leaseMs: 1000, now: T0 + 400 });

      assert.deepEqual(await store().listFinishedBefore(T0 + 10_000, 10), [a.id, b.id, c.id]);
      assert.deepEqual(await store().listFinishedBefore(T0 + 10_000, 2), [a.id, b.id]);
      assert.deepEqual(await store().listFinishedBefore(T0 + 201, 10), [a.id]);
      assert.deepEqual(await store().listFinishedBefore(T0 + 101, 10), []);
    });

    it('tells which of a list of ids exist', async () => {
      const a = makeBatch({ createdAt: T0 });
      const b = makeBatch({ createdAt: T0 + 1 });
      await store().createBatch(a);
      const found = await store().existingBatchIds([a.id, b.id, 'b_unknown00000000000000']);
      assert.deepEqual([...found], [a.id]);
      assert.equal((await store().existingBatchIds([])).size, 0);
    });
  });
}

/**
 * Behaviour suite: a batch received while its files run (openBatch, addFiles, sealBatch,
 * listAbandonedUploads) — hidden and unable to end until sealed, then like any other.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewBatch } from '../../../src/core/ports.js';
import {
  LEASE_MS,
  T0,
  claim,
  consistentBatch,
  counts,
  eventLog,
  assertNumbered,
  makeBatch,
  succeeded,
  typesOf,
  useStore,
  type StoreFactory,
} from './fixtures.js';

function opened(batch: NewBatch) {
  const { files: _, ...rest } = batch;
  return rest;
}

export function describeIntake(factory: StoreFactory): void {
  describe('intake: a batch received while its files run', () => {
    const store = useStore(factory);

    it('hides an open batch from every client read, yet runs its files; the seal shows it', async () => {
      const input = makeBatch({ files: 2, owner: 'key-1' });
      await store().openBatch(opened(input), T0 + LEASE_MS);
      assert.equal(
        await store().addFiles(input.id, input.files.slice(0, 1), T0 + 10 + LEASE_MS, T0 + 10),
        true,
      );
      assert.equal(await store().getBatch(input.id), null);
      assert.equal(await store().getBatchAccess(input.id), null);
      assert.deepEqual((await store().listBatches({ limit: 10 })).items, []);
      assert.deepEqual((await store().ownerUsage('key-1', '2023-11-14')).bytesToday, 0);
      // Its uploader is alive: the batch's rows protect its files from the orphan sweep.
      assert.deepEqual([...(await store().existingBatchIds([input.id]))], [input.id]);

      const first = await claim(store(), T0 + 20);
      assert.equal(first.file.batchId, input.id);
      await store().completeFile(input.id, 0, first.leaseOwner, succeeded(), T0 + 30);
      // Every file so far is done, but more may come: not final.
      assert.equal(await store().getBatch(input.id), null);
      assert.equal(await store().addFiles(input.id, input.files.slice(1), T0 + 40 + LEASE_MS, T0 + 40), true);

      const sealed = await store().sealBatch(input.id, T0 + 50);
      assert.ok(sealed);
      assert.equal(sealed.status, 'running');
      assert.equal(sealed.totalFiles, 2);
      assert.deepEqual(sealed.counts, counts({ queued: 1, succeeded: 1 }));
      assert.equal(sealed.inputBytes, 1000 + 1001);
      assert.deepEqual(await consistentBatch(store(), input.id), sealed);
      assert.equal((await store().getBatchAccess(input.id))?.owner, 'key-1');
      assert.deepEqual(
        (await store().listBatches({ limit: 10 })).items.map((b) => b.id),
        [input.id],
      );
      assert.equal((await store().ownerUsage('key-1', '2023-11-14')).bytesToday, 2001);
    });

    it('ends a batch at its seal when every file has run, with the end event last', async () => {
      const input = makeBatch({ files: 2, refused: [1] });
      await store().openBatch(opened(input), T0 + LEASE_MS);
      await store().addFiles(input.id, input.files, T0 + LEASE_MS, T0);
      const first = await claim(store(), T0 + 10);
      await store().completeFile(input.id, 0, first.leaseOwner, succeeded(), T0 + 20);
      const sealed = await store().sealBatch(input.id, T0 + 30);
      assert.equal(sealed?.status, 'completed_with_errors');
      assert.equal(sealed?.finishedAt, T0 + 30);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), [
        'batch.queued',
        'file.failed',
        'batch.started',
        'file.started',
        'file.succeeded',
        'batch.progress',
        'batch.completed',
      ]);
      assert.equal(events.at(-1)?.status, 'completed_with_errors');
      assert.equal(events[0]?.at, T0);
      assert.deepEqual(events[0]?.counts, counts({ queued: 1, failed: 1 }));
    });

    it('logs batch.queued with the first files only, and numbers the log across additions', async () => {
      const input = makeBatch({ files: 3, refused: [2] });
      await store().openBatch(opened(input), T0 + LEASE_MS);
      assert.deepEqual(await eventLog(store(), input.id), [], 'nothing before the first file');
      await store().addFiles(input.id, [], T0 + LEASE_MS, T0);
      await store().addFiles(input.id, input.files.slice(0, 1), T0 + LEASE_MS, T0 + 1);
      await store().addFiles(input.id, input.files.slice(1), T0 + LEASE_MS, T0 + 2);
      await store().sealBatch(input.id, T0 + 3);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.deepEqual(typesOf(events), ['batch.queued', 'file.failed']);
      assert.deepEqual(events[1]?.counts, counts({ queued: 2, failed: 1 }));
    });

    it('adds nothing to, and does not seal, a batch that is sealed or gone', async () => {
      const input = makeBatch({ files: 2 });
      await store().openBatch(opened(input), T0 + LEASE_MS);
      await store().addFiles(input.id, input.files.slice(0, 1), T0 + LEASE_MS, T0);
      assert.ok(await store().sealBatch(input.id, T0 + 1));
      assert.equal(await store().addFiles(input.id, input.files.slice(1), T0 + LEASE_MS, T0 + 2), false);
      assert.equal(await store().sealBatch(input.id, T0 + 3), null);
      assert.equal((await consistentBatch(store(), input.id)).totalFiles, 1);

      const gone = makeBatch({ files: 1, createdAt: T0 + 5 });
      await store().openBatch(opened(gone), T0 + LEASE_MS);
      assert.equal(await store().deleteBatch(gone.id), true);
      assert.equal(await store().addFiles(gone.id, gone.files, T0 + LEASE_MS, T0 + 6), false);
      assert.equal(await store().sealBatch(gone.id, T0 + 7), null);
    });

    it('names the uploads whose lease ran out, renewed by each addition, never a sealed batch', async () => {
      const stale = makeBatch({ files: 1, createdAt: T0 });
      const renewed = makeBatch({ files: 1, createdAt: T0 + 1 });
      const sealed = makeBatch({ files: 1, createdAt: T0 + 2 });
      for (const b of [stale, renewed, sealed]) await store().openBatch(opened(b), T0 + 100);
      await store().addFiles(renewed.id, [], T0 + 500, T0 + 50);
      await store().addFiles(sealed.id, sealed.files, T0 + 100, T0 + 50);
      await store().sealBatch(sealed.id, T0 + 60);
      assert.deepEqual(await store().listAbandonedUploads(T0 + 100, 10), []);
      assert.deepEqual(await store().listAbandonedUploads(T0 + 101, 10), [stale.id]);
      assert.deepEqual(await store().listAbandonedUploads(T0 + 501, 10), [stale.id, renewed.id]);
      assert.deepEqual(await store().listAbandonedUploads(T0 + 501, 1), [stale.id]);
    });
  });
}

/**
 * Behaviour suite, part 2: the queue — claiming files, leases, progress and how a run ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LEASE_MS,
  T0,
  assertNumbered,
  claim,
  consistentBatch,
  counts,
  eventLog,
  failed,
  makeBatch,
  runNext,
  succeeded,
  useStore,
  type StoreFactory,
  recoverAt,
} from './fixtures.js';

export function describeRuns(factory: StoreFactory): void {
  describe('claiming and running files', () => {
    const store = useStore(factory);

    it('hands out files oldest batch first, then by index, then nothing', async () => {
      const older = makeBatch({ createdAt: T0, files: 2 });
      const newer = makeBatch({ createdAt: T0 + 1000, files: 2 });
      // Inserted newest first, so the order cannot come from insertion.
      await store().createBatch(newer);
      await store().createBatch(older);
      const order: [string, number][] = [];
      for (let i = 0; i < 4; i++) {
        const leased = await claim(store(), T0 + 5000 + i);
        order.push([leased.file.batchId, leased.file.index]);
      }
      assert.deepEqual(order, [
        [older.id, 0],
        [older.id, 1],
        [newer.id, 0],
        [newer.id, 1],
      ]);
      assert.equal(
        await store().claimNextFile({ owner: 'r', node: 'n', leaseMs: LEASE_MS, now: T0 + 9000 }),
        null,
      );
    });

    it('marks a claimed file running under its lease and starts the batch at the first claim', async () => {
      const input = makeBatch({ files: 2, settings: { quality: 70 } });
      await store().createBatch(input);
      const leased = await store().claimNextFile({
        owner: 'runner-9',
        node: 'node-b',
        leaseMs: LEASE_MS,
        now: T0 + 10,
      });
      assert.ok(leased);
      assert.equal(leased.leaseOwner, 'runner-9');
      assert.equal(leased.processor, 'image');
      assert.deepEqual(leased.settings, { quality: 70 });
      assert.equal(leased.file.status, 'running');
      assert.equal(leased.file.attempts, 1);
      assert.equal(leased.file.node, 'node-b');
      assert.equal(leased.file.startedAt, T0 + 10);
      assert.deepEqual(await store().getFile(input.id, 0), leased.file);

      let batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'running');
      assert.equal(batch.startedAt, T0 + 10);
      assert.deepEqual(batch.counts, counts({ queued: 1, running: 1 }));

      await claim(store(), T0 + 20);
      batch = await consistentBatch(store(), input.id);
      assert.equal(batch.startedAt, T0 + 10, 'startedAt is the first claim');
      assert.deepEqual(batch.counts, counts({ running: 2 }));
    });

    it('never gives the same file to two concurrent claims', async () => {
      const input = makeBatch({ files: 10 });
      await store().createBatch(input);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().claimNextFile({ owner: `runner-${i}`, node: 'n', leaseMs: LEASE_MS, now: T0 + 1 }),
        ),
      );
      const claimed = results.filter((r) => r !== null);
      assert.equal(claimed.length, 10);
      assert.equal(new Set(claimed.map((r) => r.file.index)).size, 10);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ running: 10 }));
      assert.equal(
        (await store().allFiles(input.id)).every((f) => f.attempts === 1),
        true,
      );
    });

    it('records a run and leases the next file in one step, with the events of both in order', async () => {
      const input = makeBatch({ files: 3 });
      await store().createBatch(input);
      const first = await claim(store(), T0);
      const handed = await store().completeAndClaimNext(input.id, 0, first.leaseOwner, succeeded(), T0 + 10, {
        owner: first.leaseOwner,
        node: 'n',
        leaseMs: LEASE_MS,
        now: T0 + 10,
      });
      assert.equal(handed.recorded, true);
      assert.equal(handed.next?.file.index, 1);
      assert.equal(handed.next?.file.status, 'running');
      assert.equal(handed.next?.file.attempts, 1);
      assert.equal((await store().getFile(input.id, 0))?.status, 'succeeded');
      assert.deepEqual(handed.next?.file, await store().getFile(input.id, 1));
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ queued: 1, running: 1, succeeded: 1 }));
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      const fileEvents = events.filter((e) => e.type.startsWith('file.'));
      const tail = fileEvents.slice(-2).map((e) => [e.type, 'file' in e ? e.file?.index : undefined]);
      assert.deepEqual(tail, [
        ['file.succeeded', 0],
        ['file.started', 1],
      ]);
    });

    it('hands over no file when none is runnable, and still claims one when the ended run lost its lease', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const first = await claim(store(), T0);
      const claimAt = (now: number) => ({ owner: 'runner-1', node: 'n', leaseMs: LEASE_MS, now });
      const lost = await store().completeAndClaimNext(
        input.id,
        0,
        'someone-else',
        succeeded(),
        T0 + 5,
        claimAt(T0 + 5),
      );
      assert.equal(lost.recorded, false);
      assert.equal(lost.next?.file.index, 1);
      assert.equal(
        (await store().getFile(input.id, 0))?.status,
        'running',
        'the other owner changed nothing',
      );
      const last = await store().completeAndClaimNext(
        input.id,
        0,
        first.leaseOwner,
        succeeded(),
        T0 + 6,
        claimAt(T0 + 6),
      );
      assert.deepEqual(last, { recorded: true, next: null });
    });

    it('keeps a retrying file until its notBefore, then runs it again with its attempts counted', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const first = await claim(store(), T0);
      const error = { code: 'TIMEOUT', message: 'Took too long.' } as const;
      const ok = await store().completeFile(
        input.id,
        0,
        first.leaseOwner,
        { kind: 'retrying', error, notBefore: T0 + 5000 },
        T0 + 100,
      );
      assert.equal(ok, true);
      const waiting = await store().getFile(input.id, 0);
      assert.equal(waiting?.status, 'retrying');
      assert.deepEqual(waiting?.error, error);
      let batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ retrying: 1 }));
      assert.equal(batch.status, 'running');
      assert.equal(batch.finishedAt, null);
      assert.equal(
        await store().renewLease(input.id, 0, first.leaseOwner, T0 + 200),
        'lost',
        'the lease is gone',
      );

      assert.equal(
        await store().claimNextFile({ owner: 'r2', node: 'n', leaseMs: LEASE_MS, now: T0 + 4999 }),
        null,
      );
      const second = await claim(store(), T0 + 5000, 'r2');
      assert.equal(second.file.index, 0);
      assert.equal(second.file.attempts, 2);
      batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ running: 1 }));
    });

    it('puts a run that met a full disk back in the queue, giving back its attempt, and logs it as file.retrying', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const first = await claim(store(), T0);
      const error = { code: 'STORAGE_FULL', message: 'The disk is full.' } as const;
      const ok = await store().completeFile(
        input.id,
        0,
        first.leaseOwner,
        { kind: 'requeued', error },
        T0 + 100,
      );
      assert.equal(ok, true);
      const waiting = await store().getFile(input.id, 0);
      assert.equal(waiting?.status, 'queued');
      assert.equal(waiting?.attempts, 0, 'the run cost no attempt');
      assert.equal(waiting?.progress, 0);
      assert.deepEqual(waiting?.error, error, 'it says why it waits');
      assert.equal(waiting?.finishedAt, null);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ queued: 2 }));
      assert.equal(batch.status, 'running');
      assert.equal(await store().renewLease(input.id, 0, first.leaseOwner, T0 + 200), 'lost');

      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      const last = events.at(-1);
      assert.equal(last?.type, 'file.retrying');
      assert.deepEqual(last?.file, { index: 0, name: waiting?.name, status: 'queued', progress: 0, error });

      const again = await claim(store(), T0 + 300, 'r2');
      assert.equal(again.file.index, 0);
      assert.equal(again.file.attempts, 1, 'the next run is its first attempt');
      assert.equal(again.file.error, null);
    });

    it('ends a requeued run cancelled when a cancel was requested', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const leased = await claim(store(), T0);
      await store().cancel(input.id, null, T0 + 50);
      const error = { code: 'STORAGE_FULL', message: 'The disk is full.' } as const;
      await store().completeFile(input.id, 0, leased.leaseOwner, { kind: 'requeued', error }, T0 + 100);
      assert.equal((await store().getFile(input.id, 0))?.status, 'cancelled');
      assert.equal((await consistentBatch(store(), input.id)).status, 'cancelled');
    });

    it('renews a lease for its owner only, and tells the owner when a cancel was requested', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const leased = await claim(store(), T0, 'owner-a');
      assert.equal(await store().renewLease(input.id, 0, 'owner-a', T0 + 2 * LEASE_MS), 'ok');
      assert.equal(await store().renewLease(input.id, 0, 'owner-b', T0 + 2 * LEASE_MS), 'lost');
      assert.equal(await store().renewLease(input.id, 7, 'owner-a', T0 + 2 * LEASE_MS), 'lost');
      // The renewed lease outlives the first one: recovery leaves the file alone.
      assert.equal(await store().recoverExpiredLeases(recoverAt(T0 + LEASE_MS + 1, 3)), 0);
      await store().cancel(input.id, 0, T0 + 10);
      assert.equal(await store().renewLease(input.id, 0, leased.leaseOwner, T0 + 3 * LEASE_MS), 'cancel');
      await store().completeFile(input.id, 0, leased.leaseOwner, { kind: 'cancelled' }, T0 + 20);
      assert.equal(await store().renewLease(input.id, 0, leased.leaseOwner, T0 + 3 * LEASE_MS), 'lost');
    });

    it('records progress of running files from their owner only and sums it for the batch', async () => {
      const input = makeBatch({ files: 3 });
      await store().createBatch(input);
      const a = await claim(store(), T0, 'owner-a');
      const b = await claim(store(), T0, 'owner-b');
      await store().setProgress(input.id, a.file.index, 'owner-a', 40, Date.now());
      await store().setProgress(input.id, b.file.index, 'owner-b', 25, Date.now());
      await store().setProgress(input.id, b.file.index, 'owner-a', 99, Date.now()); // not b's owner: ignored
      await store().setProgress(input.id, 2, 'owner-a', 50, Date.now()); // queued: ignored
      assert.equal((await store().getFile(input.id, a.file.index))?.progress, 40);
      assert.equal((await store().getFile(input.id, b.file.index))?.progress, 25);
      assert.equal((await store().getFile(input.id, 2))?.progress, 0);
      assert.equal((await consistentBatch(store(), input.id)).runningProgress, 65);

      await store().completeFile(input.id, a.file.index, 'owner-a', succeeded(), T0 + 50);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.runningProgress, 25, 'only running files count');
      const listed = await store().listBatches({ limit: 1 });
      assert.equal(listed.items[0]?.runningProgress, 25);
    });

    it('changes nothing when a run ends under the wrong owner or ends twice', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const leased = await claim(store(), T0, 'owner-a');
      const before = await consistentBatch(store(), input.id);
      assert.equal(await store().completeFile(input.id, 0, 'owner-b', succeeded(), T0 + 5), false);
      assert.equal(
        await store().completeFile(input.id, 1, 'owner-a', failed(), T0 + 5),
        false,
        'file 1 is queued',
      );
      assert.deepEqual(await consistentBatch(store(), input.id), before);
      assert.equal((await store().getFile(input.id, 0))?.status, 'running');

      assert.equal(await store().completeFile(input.id, 0, leased.leaseOwner, succeeded(), T0 + 6), true);
      const after = await consistentBatch(store(), input.id);
      assert.equal(await store().completeFile(input.id, 0, leased.leaseOwner, failed(), T0 + 7), false);
      assert.deepEqual(await consistentBatch(store(), input.id), after);
      assert.equal((await store().getFile(input.id, 0))?.status, 'succeeded');
    });

    it('stores what a run produced and adds its output bytes to the batch', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await runNext(store(), succeeded(640), T0);
      await runNext(store(), failed(), T0 + 10);
      const ok = await store().getFile(input.id, 0);
      assert.equal(ok?.status, 'succeeded');
      assert.equal(ok?.progress, 100);
      assert.equal(ok?.outputBytes, 640);
      assert.equal(ok?.outputType, 'image/webp');
      assert.equal(ok?.durationMs, 120);
      assert.equal(ok?.cpuMs, 95);
      assert.deepEqual(ok?.details, { width: 1600 });
      assert.equal(ok?.error, null);
      assert.equal(ok?.finishedAt, T0 + 1);
      const bad = await store().getFile(input.id, 1);
      assert.equal(bad?.status, 'failed');
      assert.deepEqual(bad?.error, { code: 'CORRUPT_INPUT', message: 'The file is damaged.' });
      assert.deepEqual(bad?.details, { stage: 'decode' });
      assert.equal(bad?.outputBytes, null);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.outputBytes, 640);
    });
  });
}

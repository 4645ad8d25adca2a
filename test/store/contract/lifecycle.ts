/**
 * Behaviour suite, part 3: the batch status through a whole life, and recovery of runs
 * whose runner died.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchStatus } from '../../../src/core/model.js';
import {
  LEASE_MS,
  T0,
  claim,
  consistentBatch,
  counts,
  eventLog,
  failed,
  makeBatch,
  succeeded,
  useStore,
  type StoreFactory,
  recoverAt,
} from './fixtures.js';

export function describeLifecycle(factory: StoreFactory): void {
  describe('batch status through a whole life', () => {
    const store = useStore(factory);

    const cases: [string, ('ok' | 'bad')[], BatchStatus][] = [
      ['ends completed when every file succeeds', ['ok', 'ok', 'ok'], 'completed'],
      [
        'ends completed_with_errors when some succeed and some fail',
        ['ok', 'bad', 'ok'],
        'completed_with_errors',
      ],
      ['ends failed when no file succeeds', ['bad', 'bad', 'bad'], 'failed'],
    ];
    for (const [title, outcomes, final] of cases) {
      it(title, async () => {
        const input = makeBatch({ files: outcomes.length });
        await store().createBatch(input);
        assert.equal((await consistentBatch(store(), input.id)).status, 'queued');
        let now = T0 + 100;
        for (const [i, outcome] of outcomes.entries()) {
          const leased = await claim(store(), now);
          const mid = await consistentBatch(store(), input.id);
          assert.equal(mid.status, 'running');
          assert.equal(mid.finishedAt, null);
          now += 100;
          await store().completeFile(
            input.id,
            leased.file.index,
            leased.leaseOwner,
            outcome === 'ok' ? succeeded() : failed(),
            now,
          );
          const after = await consistentBatch(store(), input.id);
          const last = i === outcomes.length - 1;
          assert.equal(after.status, last ? final : 'running');
          assert.equal(after.finishedAt, last ? now : null);
        }
        const batch = await consistentBatch(store(), input.id);
        assert.equal(batch.startedAt, T0 + 100);
        assert.equal(batch.counts.succeeded, outcomes.filter((o) => o === 'ok').length);
      });
    }
  });

  describe('recovering runs whose runner died', () => {
    const store = useStore(factory);

    it('puts a file with an expired lease back in the queue and leaves live leases alone', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const dead = await claim(store(), T0, 'dead-runner');
      await claim(store(), T0 + LEASE_MS, 'live-runner');
      assert.equal(await store().recoverExpiredLeases(recoverAt(T0 + LEASE_MS + 1, 3)), 1);
      const file = await store().getFile(input.id, dead.file.index);
      assert.equal(file?.status, 'queued');
      assert.equal(file?.attempts, 1);
      assert.equal((await store().getFile(input.id, 1))?.status, 'running');
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ queued: 1, running: 1 }));
      // The dead runner's late report changes nothing; the file runs again.
      assert.equal(
        await store().completeFile(input.id, 0, 'dead-runner', succeeded(), T0 + LEASE_MS + 2),
        false,
      );
      const again = await claim(store(), T0 + LEASE_MS + 3, 'runner-3');
      assert.equal(again.file.index, 0);
      assert.equal(again.file.attempts, 2);
    });

    it('fails a file with WORKER_CRASHED once it has used its attempts', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      let now = T0;
      for (let attempt = 1; attempt <= 2; attempt++) {
        await claim(store(), now, `runner-${attempt}`);
        now += LEASE_MS + 1;
        assert.equal(await store().recoverExpiredLeases(recoverAt(now, 2)), 1);
      }
      const file = await store().getFile(input.id, 0);
      assert.equal(file?.status, 'failed');
      assert.equal(file?.error?.code, 'WORKER_CRASHED');
      assert.equal(file?.attempts, 2);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'failed');
      assert.equal(batch.finishedAt, now);
    });

    it('cancels a dead run whose cancel was requested', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      await claim(store(), T0);
      assert.deepEqual(await store().cancel(input.id, null, T0 + 10), { running: [0] });
      assert.equal(await store().recoverExpiredLeases(recoverAt(T0 + LEASE_MS + 1, 3)), 1);
      const file = await store().getFile(input.id, 0);
      assert.equal(file?.status, 'cancelled');
      assert.equal(file?.error, null);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'cancelled');
      assert.equal(batch.finishedAt, T0 + LEASE_MS + 1);
    });

    it('records a recovery at its own time, not at the bound that chose the dead leases', async () => {
      // The one server of an embedded database takes every lease as dead when it starts.
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await claim(store(), T0, 'dead-runner');
      await store().cancel(input.id, 0, T0 + 5);
      await claim(store(), T0 + 10, 'other-dead-runner');
      const now = T0 + 20;
      const logged = (await eventLog(store(), input.id)).length;
      const recovered = await store().recoverExpiredLeases({
        expiredBefore: Number.MAX_SAFE_INTEGER,
        now,
        maxAttempts: 1,
      });
      assert.equal(recovered, 2);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ cancelled: 1, failed: 1 }));
      assert.equal(batch.finishedAt, now);
      for (const file of await store().allFiles(input.id)) assert.equal(file.finishedAt, now);
      const events = await eventLog(store(), input.id);
      const recoveryEvents = events.filter((e) => e.seq > logged);
      assert.deepEqual(
        recoveryEvents.map((e) => [e.type, e.at]),
        [
          ['file.cancelled', now],
          ['batch.progress', now],
          ['file.failed', now],
          ['batch.failed', now],
        ],
      );
      assert.ok(events.every((e) => e.etaMs === null || e.etaMs < 86_400_000));
    });
  });

  describe('refusing impossible times', () => {
    const store = useStore(factory);
    const impossible = [Number.MAX_SAFE_INTEGER, 0, -1, Number.NaN, T0 + 0.5];

    it('refuses every write stamped with a time that is not plausible, and changes nothing', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      const leased = await claim(store(), T0);
      const before = await eventLog(store(), input.id);
      for (const bad of impossible) {
        const writes: [string, () => Promise<unknown>][] = [
          ['completeFile', () => store().completeFile(input.id, 0, leased.leaseOwner, succeeded(), bad)],
          ['setProgress', () => store().setProgress(input.id, 0, leased.leaseOwner, 50, bad)],
          ['renewLease', () => store().renewLease(input.id, 0, leased.leaseOwner, bad)],
          [
            'claimNextFile',
            () => store().claimNextFile({ owner: 'x', node: 'n', leaseMs: LEASE_MS, now: bad }),
          ],
          [
            'claimFile',
            () =>
              store().claimFile({
                batchId: input.id,
                index: 1,
                owner: 'x',
                node: 'n',
                leaseMs: LEASE_MS,
                now: bad,
                maxAttempts: 3,
              }),
          ],
          ['cancel', () => store().cancel(input.id, null, bad)],
          ['retry', () => store().retry(input.id, null, bad)],
          [
            'recoverExpiredLeases',
            () => store().recoverExpiredLeases({ expiredBefore: bad, now: bad, maxAttempts: 3 }),
          ],
          ['createBatch', () => store().createBatch({ ...makeBatch(), createdAt: bad })],
        ];
        for (const [name, write] of writes) {
          await assert.rejects(write(), /not a time between/, `${name} at ${bad}`);
        }
      }
      assert.deepEqual(await eventLog(store(), input.id), before);
      const batch = await consistentBatch(store(), input.id);
      assert.deepEqual(batch.counts, counts({ running: 1, queued: 1 }));
      assert.equal((await store().getFile(input.id, 0))?.progress, 0);
    });
  });
}

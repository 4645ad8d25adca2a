/**
 * Behaviour suite, part 7: taking a named file (a queue that delivers files itself, such as
 * BullMQ) and listing the files that wait to run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileClaim, LeasedFile, MetadataStore } from '../../../src/core/ports.js';
import {
  LEASE_MS,
  T0,
  claim,
  consistentBatch,
  counts,
  eventLog,
  makeBatch,
  succeeded,
  typesOf,
  useStore,
  type StoreFactory,
} from './fixtures.js';

const MAX_ATTEMPTS = 3;

function claimFile(
  store: MetadataStore,
  batchId: string,
  index: number,
  now: number,
  owner = 'job-runner-1',
): Promise<FileClaim> {
  return store.claimFile({
    batchId,
    index,
    owner,
    node: 'node-b',
    leaseMs: LEASE_MS,
    now,
    maxAttempts: MAX_ATTEMPTS,
  });
}

function leased(result: FileClaim): LeasedFile {
  assert.equal(result.kind, 'leased', `expected a lease, got ${JSON.stringify(result)}`);
  return result.leased;
}

export function describeClaims(factory: StoreFactory): void {
  describe('taking a named file', () => {
    const store = useStore(factory);

    it('leases that file, not the oldest, and starts the batch', async () => {
      const input = makeBatch({ files: 3, settings: { quality: 60 } });
      await store().createBatch(input);
      const lease = leased(await claimFile(store(), input.id, 2, T0 + 10));
      assert.equal(lease.file.index, 2);
      assert.equal(lease.file.status, 'running');
      assert.equal(lease.file.attempts, 1);
      assert.equal(lease.file.node, 'node-b');
      assert.equal(lease.leaseOwner, 'job-runner-1');
      assert.deepEqual(lease.settings, { quality: 60 });
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'running');
      assert.deepEqual(batch.counts, counts({ queued: 2, running: 1 }));
    });

    it('gives a file delivered twice to one runner only, and the second waits for the lease', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => claimFile(store(), input.id, 0, T0 + 1, `job-runner-${i}`)),
      );
      assert.equal(results.filter((r) => r.kind === 'leased').length, 1);
      for (const r of results.filter((r) => r.kind !== 'leased')) {
        assert.deepEqual(r, { kind: 'wait', until: T0 + 1 + LEASE_MS });
      }
      assert.equal((await store().getFile(input.id, 0))?.attempts, 1);
    });

    it('gives an owner that claims again (its answer lost) the lease it holds, without another attempt', async () => {
      const input = makeBatch({ files: 1, settings: { quality: 60 } });
      await store().createBatch(input);
      const first = leased(await claimFile(store(), input.id, 0, T0 + 1));
      const again = leased(await claimFile(store(), input.id, 0, T0 + 2));
      assert.deepEqual(again, first);
      assert.equal((await store().getFile(input.id, 0))?.attempts, 1);
      assert.deepEqual(await claimFile(store(), input.id, 0, T0 + 3, 'job-runner-2'), {
        kind: 'wait',
        until: T0 + 1 + LEASE_MS,
      });
    });

    it('finds nothing to run in a finished, cancelled or missing file', async () => {
      const input = makeBatch({ files: 3, refused: [1] });
      await store().createBatch(input);
      const lease = leased(await claimFile(store(), input.id, 0, T0 + 1));
      await store().completeFile(input.id, 0, lease.leaseOwner, succeeded(), T0 + 2);
      await store().cancel(input.id, 2, T0 + 3);
      for (const index of [0, 1, 2, 7]) {
        assert.deepEqual(await claimFile(store(), input.id, index, T0 + 4), { kind: 'none' });
      }
      assert.deepEqual(await claimFile(store(), 'b_missing', 0, T0 + 4), { kind: 'none' });
      await consistentBatch(store(), input.id);
    });

    it('makes a retrying file wait for its notBefore, then leases it', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const first = leased(await claimFile(store(), input.id, 0, T0));
      const error = { code: 'WORKER_CRASHED', message: 'The worker stopped.' } as const;
      await store().completeFile(
        input.id,
        0,
        first.leaseOwner,
        { kind: 'retrying', error, notBefore: T0 + 5000 },
        T0 + 10,
      );
      assert.deepEqual(await claimFile(store(), input.id, 0, T0 + 4999), { kind: 'wait', until: T0 + 5000 });
      const second = leased(await claimFile(store(), input.id, 0, T0 + 5000, 'job-runner-2'));
      assert.equal(second.file.attempts, 2);
      assert.deepEqual((await consistentBatch(store(), input.id)).counts, counts({ running: 1 }));
    });

    it('takes over a file whose runner died once its lease expired, and the dead runner can no longer end it', async () => {
      const input = makeBatch({ files: 1 });
      await store().createBatch(input);
      const dead = await claim(store(), T0);
      const expiry = T0 + LEASE_MS;
      assert.deepEqual(await claimFile(store(), input.id, 0, expiry), { kind: 'wait', until: expiry });
      const taken = leased(await claimFile(store(), input.id, 0, expiry + 1, 'job-runner-2'));
      assert.equal(taken.file.attempts, 2);
      assert.equal(
        await store().completeFile(input.id, 0, dead.leaseOwner, succeeded(), expiry + 2),
        false,
        'the first runner lost its lease',
      );
      assert.equal(await store().completeFile(input.id, 0, taken.leaseOwner, succeeded(), expiry + 3), true);
      const batch = await consistentBatch(store(), input.id);
      assert.equal(batch.status, 'completed');
      const types = typesOf(await eventLog(store(), input.id));
      assert.equal(types.filter((t) => t === 'file.succeeded').length, 1, 'ends exactly once');
      assert.equal(types.filter((t) => t === 'file.started').length, 2);
    });

    it('fails a file whose runners died maxAttempts times, and cancels one whose cancel was asked', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      let now = T0;
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        leased(await claimFile(store(), input.id, 0, now));
        now += LEASE_MS + 1;
      }
      assert.deepEqual(await claimFile(store(), input.id, 0, now), { kind: 'none' });
      const crashed = await store().getFile(input.id, 0);
      assert.equal(crashed?.status, 'failed');
      assert.equal(crashed?.error?.code, 'WORKER_CRASHED');

      leased(await claimFile(store(), input.id, 1, now));
      await store().cancel(input.id, 1, now + 1);
      assert.deepEqual(await claimFile(store(), input.id, 1, now + LEASE_MS + 2), { kind: 'none' });
      assert.equal((await store().getFile(input.id, 1))?.status, 'cancelled');
      await consistentBatch(store(), input.id);
    });
  });

  describe('listing waiting files', () => {
    const store = useStore(factory);

    it('lists queued and retrying files oldest batch first, by index, in pages', async () => {
      const older = makeBatch({ createdAt: T0, files: 3, refused: [1] });
      const newer = makeBatch({ createdAt: T0 + 1000, files: 2 });
      await store().createBatch(newer);
      await store().createBatch(older);
      const running = leased(await claimFile(store(), newer.id, 0, T0 + 2000));
      const error = { code: 'TIMEOUT', message: 'Took too long.' } as const;
      await store().completeFile(
        newer.id,
        0,
        running.leaseOwner,
        { kind: 'retrying', error, notBefore: T0 + 9000 },
        T0 + 2001,
      );
      const all = await store().listWaitingFiles({ limit: 10 });
      assert.deepEqual(all, [
        { batchId: older.id, index: 0, attempts: 0, notBefore: null },
        { batchId: older.id, index: 2, attempts: 0, notBefore: null },
        { batchId: newer.id, index: 0, attempts: 1, notBefore: T0 + 9000 },
        { batchId: newer.id, index: 1, attempts: 0, notBefore: null },
      ]);
      const first = await store().listWaitingFiles({ limit: 2 });
      const rest = await store().listWaitingFiles({ limit: 10, after: first[1] });
      assert.deepEqual([...first, ...rest], all);
      assert.deepEqual(await store().listWaitingFiles({ limit: 10, after: all[3] }), []);
    });
  });
}

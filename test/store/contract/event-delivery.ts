/**
 * Behaviour suite, part 6: reading the event log back page by page, the listener that
 * relays each commit's events, and seqs that stay gap-free under concurrent runners.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/core/errors.js';
import type { BatchEvent } from '../../../src/core/events.js';
import {
  LEASE_MS,
  T0,
  assertNumbered,
  claim,
  consistentBatch,
  eventLog,
  failed,
  makeBatch,
  runNext,
  succeeded,
  typesOf,
  useStore,
  type StoreFactory,
} from './fixtures.js';

export function describeEventDelivery(factory: StoreFactory): void {
  describe('reading and relaying the event log', () => {
    const store = useStore(factory);

    it('pages through one batch’s log with listEvents(after, limit)', async () => {
      const input = makeBatch({ createdAt: T0, files: 2 });
      const other = makeBatch({ createdAt: T0 + 1, files: 1 });
      await store().createBatch(input);
      await store().createBatch(other);
      await runNext(store(), succeeded(), T0 + 10);
      await runNext(store(), succeeded(), T0 + 20);
      await claim(store(), T0 + 30);
      const pages: number[][] = [];
      for (const after of [0, 3, 6, 8]) {
        const page = await store().listEvents(input.id, after, 3);
        assert.ok(page.every((e) => e.batchId === input.id));
        pages.push(page.map((e) => e.seq));
      }
      assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7, 8], []]);
      assert.deepEqual(
        (await store().listEvents(other.id, 1, 10)).map((e) => [e.seq, e.type]),
        [
          [2, 'batch.started'],
          [3, 'file.started'],
        ],
      );
      assert.deepEqual(await store().listEvents(makeBatch({ createdAt: T0 + 2 }).id, 0, 10), []);
    });

    it('hands the listener each commit’s events once committed, exactly as logged', async () => {
      const input = makeBatch({ files: 2 });
      const calls: BatchEvent[][] = [];
      const reads: Promise<BatchEvent[]>[] = [];
      store().onEvents((events) => {
        calls.push(events);
        // A read started now, on any connection, sees the change only if it is committed.
        reads.push(store().listEvents(input.id, 0, 1000));
      });
      await store().createBatch(input);
      const leased = await claim(store(), T0 + 10);
      await store().setProgress(input.id, 0, leased.leaseOwner, 30, Date.now());
      await store().completeFile(input.id, 0, leased.leaseOwner, succeeded(), T0 + 20);
      await store().cancel(input.id, null, T0 + 30);
      assert.deepEqual(calls.map(typesOf), [
        ['batch.queued'],
        ['batch.started', 'file.started'],
        ['file.progress'],
        ['file.succeeded', 'batch.progress'],
        ['file.cancelled', 'batch.cancelled'],
      ]);
      assert.deepEqual(calls.flat(), await eventLog(store(), input.id));
      const seen = await Promise.all(reads);
      calls.forEach((events, i) => {
        const seqs = new Set(events.map((e) => e.seq));
        assert.deepEqual(
          seen[i]?.filter((e) => seqs.has(e.seq)),
          events,
        );
      });
    });

    it('does not call the listener for a change that logged nothing or was rolled back', async () => {
      const input = makeBatch({ files: 2 });
      await store().createBatch(input);
      await runNext(store(), failed(), T0 + 10);
      const leased = await claim(store(), T0 + 20);
      const logged = await eventLog(store(), input.id);
      const calls: BatchEvent[][] = [];
      store().onEvents((events) => calls.push(events));

      await store().cancel(input.id, 0, T0 + 30);
      await store().setProgress(input.id, 1, 'someone-else', 50, Date.now());
      assert.equal(await store().completeFile(input.id, 1, 'someone-else', succeeded(), T0 + 40), false);
      assert.equal(await store().renewLease(input.id, 1, leased.leaseOwner, T0 + LEASE_MS), 'ok');
      assert.equal(
        await store().claimNextFile({ owner: 'r', node: 'n', leaseMs: LEASE_MS, now: T0 + 50 }),
        null,
      );
      await assert.rejects(
        store().retry(input.id, [0, 1], T0 + 60),
        (error) => error instanceof AppError && error.code === 'CONFLICT',
      );
      // Its batch row and events are written before the duplicate file row fails the insert.
      const broken = makeBatch({ createdAt: T0 + 1, files: 2 });
      const [file] = broken.files;
      assert.ok(file);
      broken.files[1] = { ...file, name: 'again.jpg' };
      await assert.rejects(store().createBatch(broken));

      assert.deepEqual(calls, []);
      assert.deepEqual(await eventLog(store(), input.id), logged);
      assert.equal(await store().getBatch(broken.id), null);
      assert.deepEqual(await eventLog(store(), broken.id), []);
    });

    it('keeps logging when the listener throws or rejects', async () => {
      const input = makeBatch({ files: 2 });
      store().onEvents(() => {
        throw new Error('the relay is down');
      });
      await store().createBatch(input);
      await runNext(store(), succeeded(), T0 + 10);
      store().onEvents(() => Promise.reject(new Error('the relay is down')));
      await runNext(store(), succeeded(), T0 + 20);
      const events = await eventLog(store(), input.id);
      assertNumbered(events);
      assert.equal(events.length, 8);
      assert.equal(events.at(-1)?.type, 'batch.completed');
    });

    it('keeps each batch’s seqs gap-free when runners claim, report and complete concurrently', async () => {
      const batches = [makeBatch({ createdAt: T0, files: 10 }), makeBatch({ createdAt: T0 + 1, files: 10 })];
      for (const input of batches) await store().createBatch(input);
      const relayed: BatchEvent[] = [];
      store().onEvents((events) => relayed.push(...events));
      const runner = async (n: number): Promise<void> => {
        for (;;) {
          const leased = await store().claimNextFile({
            owner: `runner-${n}`,
            node: 'node-a',
            leaseMs: LEASE_MS,
            now: T0 + 100,
          });
          if (leased === null) return;
          const { batchId, index } = leased.file;
          await store().setProgress(batchId, index, leased.leaseOwner, 50, Date.now());
          const done = await store().completeFile(batchId, index, leased.leaseOwner, succeeded(), T0 + 200);
          assert.equal(done, true);
        }
      };
      await Promise.all(Array.from({ length: 10 }, (_, n) => runner(n)));

      for (const input of batches) {
        assert.equal((await consistentBatch(store(), input.id)).status, 'completed');
        const events = await eventLog(store(), input.id);
        assertNumbered(events);
        const tally = new Map<string, number>();
        for (const type of typesOf(events)) tally.set(type, (tally.get(type) ?? 0) + 1);
        assert.deepEqual(Object.fromEntries(tally), {
          'batch.queued': 1,
          'batch.started': 1,
          'file.started': 10,
          'file.progress': 10,
          'file.succeeded': 10,
          'batch.progress': 9,
          'batch.completed': 1,
        });
        assert.equal(events.at(-1)?.type, 'batch.completed');
        const live = relayed.filter((e) => e.batchId === input.id).sort((a, b) => a.seq - b.seq);
        assert.deepEqual(live, events.slice(1), 'every event after creation was relayed once');
      }
    });
  });
}

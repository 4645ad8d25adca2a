/**
 * The behaviour every `EventBus` adapter must show, as one suite that each adapter's test
 * file runs unchanged (as the MetadataStore suite does). Delivery is awaited by polling for
 * content within a bound; nothing here measures speed. A case an adapter cannot have is
 * skipped by its capability, with the reason in the report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchEvent } from '../../src/core/events.js';
import type { EventBus } from '../../src/core/ports.js';
import {
  batchId,
  event,
  openSockets,
  ready,
  record,
  seqs,
  until,
  useBuses,
  type EventBusCapabilities,
  type EventBusFactory,
} from './contract/helpers.js';

export type { EventBusCapabilities, EventBusFactory } from './contract/helpers.js';

/**
 * Runs the suite on buses made by `factory`. Every bus a test opens is closed after it;
 * buses opened in one test must reach each other when `crossInstance` is set.
 */
export function describeEventBus(name: string, factory: EventBusFactory, caps: EventBusCapabilities): void {
  const crossOnly = caps.crossInstance
    ? {}
    : { skip: `${name} does not reach beyond its own instance (capabilities.crossInstance)` };

  describe(`EventBus contract: ${name}`, () => {
    const open = useBuses(factory);
    /** The bus that plays "another node" where there is one, else the bus itself. */
    const peerOf = async (bus: EventBus): Promise<EventBus> => (caps.crossInstance ? open() : bus);

    it(`names its kind`, async () => {
      assert.equal((await open()).kind, name);
    });

    it('delivers the events of a batch to its subscribers in publish order, and none of other batches', async () => {
      const bus = await open();
      const [a, b] = [batchId(), batchId()];
      const ofA = record(bus, a);
      const ofB = record(bus, b);
      await ready(bus, a, [ofA]);
      await ready(bus, b, [ofB]);
      bus.publish([event(a, 1), event(b, 1), event(a, 2)]);
      bus.publish([event(b, 2)]);
      bus.publish([event(a, 3), event(a, 4)]);
      await until(() => ofA.events.length >= 4 && ofB.events.length >= 2, 'the events of both batches');
      assert.deepEqual(ofA.events, [event(a, 1), event(a, 2), event(a, 3), event(a, 4)]);
      assert.deepEqual(ofB.events, [event(b, 1), event(b, 2)]);
    });

    it('gives every subscriber of a batch every event', async () => {
      const bus = await open();
      const a = batchId();
      const recorders = [record(bus, a), record(bus, a), record(bus, a)];
      await ready(bus, a, recorders);
      bus.publish([1, 2, 3, 4, 5].map((seq) => event(a, seq)));
      await until(() => recorders.every((r) => r.events.length >= 5), 'five events at each subscriber');
      for (const r of recorders) assert.deepEqual(seqs(r.events), [1, 2, 3, 4, 5]);
    });

    it('stops delivery to a listener that unsubscribed, and only to that one', async () => {
      const bus = await open();
      const [a, b] = [batchId(), batchId()];
      const first = record(bus, a);
      const second = record(bus, a);
      await ready(bus, a, [first, second]);
      bus.publish([event(a, 1)]);
      await until(() => first.events.length === 1 && second.events.length === 1, 'event 1 at both');

      first.unsubscribe();
      first.unsubscribe(); // twice is harmless
      bus.publish([event(a, 2)]);
      await until(() => second.events.length === 2, 'event 2 at the listener still subscribed');
      assert.deepEqual(seqs(first.events), [1]);

      // The batch's last listener leaves; b's event, published after, marks when a's would be in.
      second.unsubscribe();
      const marker = record(bus, b);
      await ready(bus, b, [marker]);
      bus.publish([event(a, 3)]);
      bus.publish([event(b, 1)]);
      await until(() => marker.events.length === 1, 'the marker event of another batch');
      assert.deepEqual(seqs(second.events), [1, 2]);

      // And the batch can be followed again.
      const again = record(bus, a);
      await ready(bus, a, [again]);
      bus.publish([event(a, 4)]);
      await until(() => again.events.length === 1, 'event 4 after subscribing again');
      assert.deepEqual(seqs(again.events), [4]);
    });

    it('keeps delivering to the others when a listener throws, and the publisher never hears of it', async () => {
      const bus = await open();
      const a = batchId();
      const thrower = record(bus, a, () => {
        throw new Error('a listener that fails');
      });
      const other = record(bus, a);
      await ready(bus, a, [thrower, other]);
      assert.doesNotThrow(() => bus.publish([event(a, 1), event(a, 2), event(a, 3)]));
      await until(
        () => other.events.length === 3 && thrower.events.length === 3,
        'three events at both listeners',
      );
      assert.deepEqual(seqs(other.events), [1, 2, 3]);
      assert.deepEqual(seqs(thrower.events), [1, 2, 3]);
    });

    it('delivers what another instance (another node) publishes', crossOnly, async () => {
      const [api1, api2, worker] = [await open(), await open(), await open()];
      const a = batchId();
      const at1 = record(api1, a);
      const at2 = record(api2, a);
      await ready(worker, a, [at1, at2]);
      worker.publish([event(a, 1), event(a, 2)]);
      api1.publish([event(a, 3)]);
      await until(() => at1.events.length === 3 && at2.events.length === 3, 'three events at both nodes');
      // Each publisher's own order holds everywhere (across publishers, there is none to keep).
      for (const r of [at1, at2]) {
        assert.deepEqual(seqs(r.events.filter((e) => e.seq < 3)), [1, 2]);
        assert.deepEqual(seqs(r.events).sort(), [1, 2, 3]);
      }
    });

    it('misses nothing published after onResync was called (at once, for a bus that never calls it)', async () => {
      const bus = await open();
      const peer = await peerOf(bus);
      const a = batchId();
      let resyncs = 0;
      const got: BatchEvent[] = [];
      bus.subscribe(
        a,
        (e) => got.push(e),
        () => resyncs++,
      );
      if (caps.crossInstance) await until(() => resyncs > 0, 'onResync once the subscription is live');
      peer.publish([event(a, 1), event(a, 2)]);
      await until(() => got.length === 2, 'both events, with no probe before them');
      assert.deepEqual(seqs(got), [1, 2]);
    });

    it('carries every field of an event intact, `at` as epoch ms', async () => {
      const bus = await open();
      const peer = await peerOf(bus);
      const a = batchId();
      const got = record(bus, a);
      await ready(peer, a, [got]);
      const sent: BatchEvent[] = [
        event(a, 7, {
          type: 'file.failed',
          at: 1_700_000_123_456,
          status: 'running',
          file: {
            index: 3,
            name: 'photos/été 2024/IMG_0001.jpg',
            status: 'failed',
            progress: 100,
            error: { code: 'CORRUPT_INPUT', message: 'The file is damaged: "bad" <marker>.' },
          },
          counts: { queued: 1, running: 2, retrying: 0, succeeded: 3, failed: 1, cancelled: 0 },
          progress: 57.5,
          etaMs: 12_345,
        }),
        event(a, 8, { type: 'batch.completed', status: 'completed_with_errors', progress: 100, etaMs: null }),
      ];
      peer.publish(sent);
      await until(() => got.events.length === 2, 'both events');
      assert.deepStrictEqual(got.events, sent);
      assert.equal(typeof got.events[0]?.at, 'number');
      assert.equal('file' in (got.events[1] ?? {}), false);
    });

    it('stops delivery at close and releases its connections', async () => {
      const before = openSockets();
      const bus = await factory(); // closed here, not by the suite
      const a = batchId();
      const got = record(bus, a);
      await ready(bus, a, [got]);
      await bus.close();
      await bus.close(); // twice is harmless
      await until(() => openSockets() <= before, 'the bus’s sockets to close');

      assert.doesNotThrow(() => bus.publish([event(a, 1)]));
      assert.doesNotThrow(() => bus.subscribe(a, () => assert.fail('a closed bus delivered'))());
      // Another node's event reaches that node's listener; the closed bus's listener gets nothing.
      if (caps.crossInstance) {
        const peer = await open();
        const marker = record(peer, a);
        await ready(peer, a, [marker]);
        peer.publish([event(a, 2)]);
        await until(() => marker.events.length === 1, 'the event at the live node');
      }
      assert.deepEqual(got.events, []);
    });
  });
}

/**
 * followEvents and the bus's resync signal: when the bus says it may have missed events, the
 * follower reads them from the log — also the last one, after which nothing else would come.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as settle } from 'node:timers/promises';
import type { BatchEvent } from '../../src/core/events.js';
import type { Batch } from '../../src/core/model.js';
import type { EventBus, MetadataStore } from '../../src/core/ports.js';
import { followEvents } from '../../src/service/follow-events.js';
import { event } from '../events/contract/helpers.js';

const B = 'b_follow';

/** A store with only what followEvents reads: the log and the batch's status. */
function fakeStore(log: BatchEvent[], status: () => Batch['status']): MetadataStore {
  return {
    listEvents: async (_id: string, after: number, limit: number) =>
      log.filter((e) => e.seq > after).slice(0, limit),
    getBatch: async () => ({ status: status() }) as Batch,
  } as unknown as MetadataStore;
}

/** A bus that delivers nothing by itself; the test calls its subscriber's functions. */
function fakeBus(): EventBus & { resync: () => void; send: (e: BatchEvent) => void } {
  let listener: ((e: BatchEvent) => void) | undefined;
  let onResync: (() => void) | undefined;
  return {
    kind: 'redis',
    publish: () => undefined,
    subscribe: (_id, l, r) => {
      listener = l;
      onResync = r;
      return () => undefined;
    },
    close: async () => undefined,
    resync: () => onResync?.(),
    send: (e) => listener?.(e),
  };
}

describe('followEvents', () => {
  it('reads the log when the bus may have missed events, up to the end event no message brought', async () => {
    const log = [event(B, 1), event(B, 2)];
    let status: Batch['status'] = 'running';
    const bus = fakeBus();
    const follower = followEvents(
      fakeStore(log, () => status),
      bus,
      B,
      0,
      new AbortController().signal,
    );
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) seen.push(((await follower.next()).value as BatchEvent).seq);

    // Events 3 and 4 are committed, their messages lost (a Redis restart); then the bus resyncs.
    const pending = follower.next();
    await settle(); // the follower has read the log and waits for the bus (the fake store never waits)
    log.push(event(B, 3, { type: 'file.succeeded' }), event(B, 4, { type: 'batch.completed' }));
    status = 'completed';
    bus.resync();
    seen.push(((await pending).value as BatchEvent).seq);
    for await (const e of follower) seen.push(e.seq);
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });

  it('sends a live event once even when a resync read it from the log first', async () => {
    const log = [event(B, 1)];
    const bus = fakeBus();
    const follower = followEvents(
      fakeStore(log, () => 'running'),
      bus,
      B,
      0,
      new AbortController().signal,
    );
    assert.equal(((await follower.next()).value as BatchEvent).seq, 1);
    const pending = follower.next();
    await settle();
    log.push(event(B, 2), event(B, 3, { type: 'batch.completed', status: 'completed' }));
    bus.resync();
    bus.send(event(B, 2));
    bus.send(event(B, 3, { type: 'batch.completed', status: 'completed' }));
    const seen = [((await pending).value as BatchEvent).seq];
    for await (const e of follower) seen.push(e.seq);
    assert.deepEqual(seen, [2, 3]);
  });
});

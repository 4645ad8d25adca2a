/**
 * Runs the EventBus behaviour suite on Redis pub/sub, every bus of this run under one fresh
 * channel prefix, plus what only Redis has: the channel layout other nodes rely on, messages
 * checked on receipt, prefixes that keep deployments apart, and a Redis that cannot be
 * reached. `FILEMILL_TEST_REDIS_URL` overrides the server; when it cannot be reached the
 * suite is skipped, except on CI (`CI=true`), where that is a failure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createEventBus, RedisEventBus } from '../../src/events/index.js';
import { itNeedsService } from '../support/services.js';
import { batchId, event, openSockets, ready, record, seqs, until, useBuses } from './contract/helpers.js';
import { describeEventBus } from './event-bus.contract.js';
import { redisProblem } from '../../src/events/redis/reachable.js';

const url = process.env.FILEMILL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `filemill-test-${randomBytes(6).toString('hex')}:`;

/** A raw connection for what a bus would not send; closed by the caller. */
function rawClient(): Redis {
  return new Redis(url, { lazyConnect: true });
}

const problem = await redisProblem(url);

if (problem === null) {
  describeEventBus('redis', () => new RedisEventBus({ url, prefix }), { crossInstance: true });

  describe('RedisEventBus', () => {
    const open = useBuses(() => new RedisEventBus({ url, prefix }));

    it('publishes a batch’s events as one JSON message on <prefix>events:<batchId>', async () => {
      const bus = await open();
      const a = batchId();
      const raw = rawClient();
      try {
        const messages: string[] = [];
        raw.on('message', (_channel: string, message: string) => messages.push(message));
        await raw.subscribe(`${prefix}events:${a}`);
        bus.publish([event(a, 1), event(a, 2)]);
        await until(() => messages.length === 1, 'the message on the batch’s channel');
        assert.deepEqual(JSON.parse(messages[0] ?? ''), { v: 1, events: [event(a, 1), event(a, 2)] });
      } finally {
        raw.disconnect();
      }
    });

    it('drops a malformed message, tells onError, and delivers the next one', async () => {
      const errors: Error[] = [];
      const bus = new RedisEventBus({ url, prefix, onError: (error) => errors.push(error) });
      const raw = rawClient();
      try {
        const a = batchId();
        const got = record(bus, a);
        await ready(bus, a, [got]);
        const channel = `${prefix}events:${a}`;
        const bad = [
          'not json',
          JSON.stringify({ v: 1, events: [{ ...event(a, 1), seq: 'one' }] }),
          JSON.stringify({ v: 1, events: [{ ...event(a, 1), type: 'file.exploded' }] }),
          JSON.stringify({ v: 1, events: [event(batchId(), 1)] }),
          JSON.stringify({ v: 2, events: [event(a, 1)] }),
          JSON.stringify([event(a, 1)]),
        ];
        for (const message of bad) await raw.publish(channel, message);
        await raw.publish(channel, JSON.stringify({ v: 1, events: [event(a, 5)] }));
        await until(() => got.events.length === 1, 'the well-formed message');
        assert.deepEqual(got.events, [event(a, 5)]);
        const dropped = errors.filter((e) => e.message.startsWith(`dropped a message on ${channel}`));
        assert.equal(dropped.length, bad.length, errors.map((e) => e.message).join('\n'));
      } finally {
        raw.disconnect();
        await bus.close();
      }
    });

    it('keeps deployments with different prefixes apart on one Redis', async () => {
      const a = batchId();
      const ours = await open();
      const theirs = new RedisEventBus({ url, prefix: `${prefix}other:` });
      try {
        const atOurs = record(ours, a);
        const atTheirs = record(theirs, a);
        await ready(ours, a, [atOurs]);
        await ready(theirs, a, [atTheirs]);
        ours.publish([event(a, 1)]);
        theirs.publish([event(a, 2)]);
        await until(() => atOurs.events.length === 1 && atTheirs.events.length === 1, 'each its own event');
        assert.deepEqual(atOurs.events, [event(a, 1)]);
        assert.deepEqual(atTheirs.events, [event(a, 2)]);
      } finally {
        await theirs.close();
      }
    });

    it('subscribes again after losing its connection and calls onResync once live again', async () => {
      const own = `${prefix}kill-${randomBytes(4).toString('hex')}:`;
      const bus = new RedisEventBus({ url, prefix: own });
      const peer = new RedisEventBus({ url, prefix: own });
      const raw = rawClient();
      try {
        const a = batchId();
        let resyncs = 0;
        const got = record(bus, a);
        bus.subscribe(
          a,
          () => undefined,
          () => resyncs++,
        );
        await until(() => resyncs === 1, 'the first onResync');
        // What a Redis restart does to this node: its subscriber connection is cut.
        const line = String(await raw.client('LIST'))
          .split('\n')
          .find((l) => l.includes(` name=${own}events-sub `));
        const id = /(?:^| )id=(\d+)/.exec(line ?? '')?.[1];
        assert.ok(id, 'the subscriber connection in CLIENT LIST');
        await raw.client('KILL', 'ID', id);
        await until(() => resyncs === 2, 'onResync after the reconnect');
        peer.publish([event(a, 3)]);
        await until(() => got.events.length === 1, 'an event after the reconnect');
        assert.deepEqual(seqs(got.events), [3]);
      } finally {
        raw.disconnect();
        await Promise.all([bus.close(), peer.close()]);
      }
    });

    it('tells a failed listener to onError, not to the publisher', async () => {
      const errors: Error[] = [];
      const bus = new RedisEventBus({ url, prefix, onError: (error) => errors.push(error) });
      try {
        const a = batchId();
        const got = record(bus, a, (e) => {
          if (e.seq === 9) throw new Error('listener broke');
        });
        await ready(bus, a, [got]);
        bus.publish([event(a, 9)]);
        await until(() => errors.some((e) => /listener broke/.test(e.message)), 'the error at onError');
      } finally {
        await bus.close();
      }
    });

    it('returns from publish at once when Redis cannot be reached, and tells onError', async () => {
      const before = openSockets();
      const errors: Error[] = [];
      // Port 1 on this machine: nothing listens, connections are refused.
      const bus = new RedisEventBus({ url: 'redis://127.0.0.1:1', prefix, onError: (e) => errors.push(e) });
      bus.publish([event(batchId(), 1)]);
      bus.subscribe(batchId(), () => assert.fail('nothing can arrive'));
      await until(() => errors.length > 0, 'a connection error at onError');
      await bus.close();
      await until(() => openSockets() <= before, 'the bus’s sockets to close');
    });

    it('is what createEventBus makes for a redis:// URL', async () => {
      const bus = createEventBus({ redisUrl: url, prefix });
      try {
        assert.equal(bus.kind, 'redis');
        const a = batchId();
        const got = record(bus, a);
        await ready(bus, a, [got]);
        bus.publish([event(a, 1)]);
        await until(() => got.events.length === 1, 'the event');
      } finally {
        await bus.close();
      }
    });
  });
} else {
  itNeedsService('runs the EventBus suite on Redis', 'Redis', url, problem);
}

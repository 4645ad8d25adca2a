/**
 * Runs the EventBus behaviour suite on the in-process bus, and checks that the bus factory
 * picks it when no Redis URL is configured.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventBus, LocalEventBus } from '../../src/events/index.js';
import { describeEventBus } from './event-bus.contract.js';

describeEventBus('local', () => new LocalEventBus(), { crossInstance: false });

describe('createEventBus without Redis', () => {
  it('makes the in-process bus when no Redis URL is set, or an empty one', async () => {
    for (const bus of [createEventBus(), createEventBus({ redisUrl: '' })]) {
      assert.equal(bus.kind, 'local');
      await bus.close();
    }
  });

  it('refuses a URL that is not redis:// or rediss:// rather than fall back to one process', () => {
    assert.throws(() => createEventBus({ redisUrl: 'http://127.0.0.1:6379' }), /redis:\/\/.*not http:/);
    assert.throws(() => createEventBus({ redisUrl: '127.0.0.1:6379' }), /no scheme/);
  });
});

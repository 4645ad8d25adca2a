import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { throttleUnreachable } from '../../src/core/outage-log.js';

const refused = (port: number): Error =>
  Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), {
    code: 'ECONNREFUSED',
    address: '127.0.0.1',
    port,
  });

describe('throttleUnreachable', () => {
  it('logs the first failure of an address, then one per interval with how many it left out', () => {
    let clock = 0;
    const logged: Array<[string, number]> = [];
    const log = throttleUnreachable({
      unreachable: (error, leftOut) => logged.push([(error as Error).message, leftOut]),
      other: () => assert.fail('an unreachable service is not another error'),
      everyMs: 1000,
      now: () => clock,
    });
    for (let i = 0; i < 5; i++) log(refused(6379));
    log(refused(5432));
    clock = 1000;
    log(refused(6379));
    assert.deepEqual(logged, [
      ['connect ECONNREFUSED 127.0.0.1:6379', 0],
      ['connect ECONNREFUSED 127.0.0.1:5432', 0],
      ['connect ECONNREFUSED 127.0.0.1:6379', 4],
    ]);
  });

  it('keeps apart failures that name no address but come from different clients', () => {
    const logged: string[] = [];
    const log = throttleUnreachable({
      unreachable: (error) => logged.push((error as Error).message),
      other: () => assert.fail('these are outages'),
      everyMs: 1000,
      now: () => 0,
    });
    log(new Error('Connection is closed.'));
    log(new Error('Connection terminated unexpectedly'));
    log(new Error('Connection is closed.'));
    log(new AggregateError([refused(6379)], ''));
    log(refused(6379));
    assert.deepEqual(logged, ['Connection is closed.', 'Connection terminated unexpectedly', '']);
  });

  it('passes every other error through', () => {
    const logged: unknown[] = [];
    const log = throttleUnreachable({
      unreachable: () => assert.fail('a bug is not an outage'),
      other: (error) => logged.push(error),
      everyMs: 1000,
      now: () => 0,
    });
    const bug = new TypeError('x is undefined');
    log(bug);
    log(bug);
    assert.deepEqual(logged, [bug, bug]);
  });
});

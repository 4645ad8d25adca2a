import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnreachable, neverReached, retryWhileUnreachable } from '../../src/core/unreachable.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('isUnreachable', () => {
  it('knows a connection that could not be made or was lost', () => {
    assert.equal(isUnreachable(withCode('ECONNREFUSED')), true);
    assert.equal(isUnreachable(withCode('ECONNRESET')), true);
    assert.equal(isUnreachable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isUnreachable(new AggregateError([withCode('ECONNREFUSED')], '')), true);
    assert.equal(isUnreachable(new Error('wrapped', { cause: withCode('ETIMEDOUT') })), true);
    assert.equal(isUnreachable(new Error('Connection is closed.')), true);
    assert.equal(isUnreachable(new Error('Reached the max retries per request limit (which is 20).')), true);
  });

  it("knows PostgreSQL's connection-class and shutdown states", () => {
    assert.equal(isUnreachable(withCode('08006')), true);
    assert.equal(
      isUnreachable(withCode('57P01', 'terminating connection due to administrator command')),
      true,
    );
    assert.equal(isUnreachable(withCode('53300')), true);
    assert.equal(isUnreachable(withCode('08P01', 'bind message supplies 1 parameters')), false, 'our bug');
  });

  it('leaves bugs and refused queries alone', () => {
    assert.equal(isUnreachable(new TypeError('x is undefined')), false);
    assert.equal(isUnreachable(withCode('23505', 'duplicate key value')), false);
    assert.equal(isUnreachable(withCode('42P01', 'relation does not exist')), false);
    assert.equal(isUnreachable(withCode('ENOENT')), false);
    assert.equal(isUnreachable('ECONNREFUSED'), false);
  });
});

describe('neverReached', () => {
  it('tells a service never reached from a connection lost under a statement', () => {
    assert.equal(neverReached(withCode('ECONNREFUSED')), true);
    assert.equal(neverReached(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(
      neverReached(new AggregateError([withCode('ECONNREFUSED'), withCode('EHOSTUNREACH')], '')),
      true,
    );
    assert.equal(neverReached(withCode('ECONNRESET')), false, 'a commit may have happened');
    assert.equal(neverReached(new Error('Connection terminated unexpectedly')), false);
    assert.equal(neverReached(new TypeError('x is undefined')), false, 'not an outage at all');
  });
});

describe('retryWhileUnreachable', () => {
  const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

  it('tries again while the service is away, and returns what the try that worked returned', async () => {
    let tries = 0;
    const result = await retryWhileUnreachable(
      async () => {
        tries += 1;
        if (tries < 3) throw refused();
        return 'written';
      },
      { until: Date.now() + 60_000 },
    );
    assert.deepEqual([result, tries], ['written', 3]);
  });

  it('throws at once an error that is not an outage, and the last one when told to stop', async () => {
    let tries = 0;
    const bug = new TypeError('x is undefined');
    await assert.rejects(
      retryWhileUnreachable(
        async () => {
          tries += 1;
          throw bug;
        },
        { until: Date.now() + 60_000 },
      ),
      bug,
    );
    assert.equal(tries, 1);
    let stopped = false;
    await assert.rejects(
      retryWhileUnreachable(
        async () => {
          stopped = true;
          throw refused();
        },
        { until: Date.now() + 60_000, stop: () => stopped },
      ),
      /ECONNREFUSED/,
    );
  });
});

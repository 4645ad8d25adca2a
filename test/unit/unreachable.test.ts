import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnreachable } from '../../src/core/unreachable.js';

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
  });

  it('leaves bugs and refused queries alone', () => {
    assert.equal(isUnreachable(new TypeError('x is undefined')), false);
    assert.equal(isUnreachable(withCode('23505', 'duplicate key value')), false);
    assert.equal(isUnreachable(withCode('42P01', 'relation does not exist')), false);
    assert.equal(isUnreachable(withCode('ENOENT')), false);
    assert.equal(isUnreachable('ECONNREFUSED'), false);
  });
});

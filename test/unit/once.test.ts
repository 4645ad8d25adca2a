import assert from 'node:assert/strict';
import { test } from 'node:test';
import { once } from '../../src/core/once.js';

test('once runs its maker on the first call only, and keeps even an undefined result', () => {
  let calls = 0;
  const get = once(() => {
    calls += 1;
    return calls === 1 ? undefined : 'again';
  });
  assert.equal(calls, 0, 'nothing is made before the first call');
  assert.equal(get(), undefined);
  assert.equal(get(), undefined);
  assert.equal(calls, 1);
});

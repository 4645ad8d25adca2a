import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFailpoints } from '../../src/core/failpoints.js';

describe('failpoints', () => {
  it('arms each named point at its first hit, or at the Nth with @N', () => {
    assert.deepEqual(
      parseFailpoints(' upload.after-commit , file.complete.before-commit@3 ,'),
      new Map([
        ['upload.after-commit', 1],
        ['file.complete.before-commit', 3],
      ]),
    );
    assert.equal(parseFailpoints('').size, 0);
  });

  it('refuses an unknown point or a bad count, so a typo cannot arm nothing', () => {
    assert.throws(() => parseFailpoints('upload.commit'), /no failpoint "upload.commit"/);
    assert.throws(() => parseFailpoints('upload.after-commit@0'), /whole count from 1/);
    assert.throws(() => parseFailpoints('upload.after-commit@x'), /whole count from 1/);
  });
});

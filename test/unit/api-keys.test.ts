/**
 * How API keys are made and recognised (core/api-keys.ts), without a database.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkApiKeyName, hashApiKey, newApiKeyId, newApiKeySecret } from '../../src/core/api-keys.js';
import { AppError } from '../../src/core/errors.js';

describe('API keys', () => {
  it('are fm_ and 32 random bytes, stored as their SHA-256, shown by a short prefix', () => {
    const { key, hash, prefix } = newApiKeySecret();
    assert.match(key, /^fm_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice(3), 'base64url').length, 32);
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    assert.equal(prefix, key.slice(0, 9));
    assert.notEqual(newApiKeySecret().key, key);
  });

  it('hash a presented key as it was stored, and refuse what cannot be a key', () => {
    const { key, hash } = newApiKeySecret();
    assert.equal(hashApiKey(key), hash);
    for (const wrong of [
      '',
      key.slice(3),
      `${key}x`,
      key.slice(0, -1),
      `Bearer ${key}`,
      `fm_${'!'.repeat(43)}`,
    ]) {
      assert.equal(hashApiKey(wrong), null, wrong);
    }
  });

  it('have ids that differ and read well as a batch owner', () => {
    const a = newApiKeyId();
    assert.match(a, /^k_[0-9a-f]{32}$/);
    assert.notEqual(newApiKeyId(), a);
  });

  it('have names of 1 to 64 letters, digits, dots, underscores and hyphens', () => {
    for (const good of ['a', 'alice', 'ci-bot_2.prod', 'x'.repeat(64)]) checkApiKeyName(good);
    for (const bad of ['', 'x'.repeat(65), 'a b', 'a/b', 'ü', '-\n']) {
      assert.throws(
        () => checkApiKeyName(bad),
        (error: unknown) => error instanceof AppError && error.code === 'INVALID_REQUEST',
        JSON.stringify(bad),
      );
    }
  });
});

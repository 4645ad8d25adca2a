import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AppError, ERROR_CODES } from '../../src/core/errors.js';

describe('error codes', () => {
  it('documents every code in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });
  it('gives each AppError the status of its code', () => {
    const error = new AppError('FILE_TOO_LARGE', 'too big', { details: { limit: 1 } });
    assert.equal(error.status, 413);
    assert.deepEqual(error.details, { limit: 1 });
  });
});

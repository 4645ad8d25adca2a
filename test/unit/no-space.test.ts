import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNoSpace } from '../../src/core/no-space.js';

describe('isNoSpace', () => {
  it('knows a full disk from the OS, SQLite and PostgreSQL, also wrapped in a cause', () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
    assert.equal(isNoSpace(errno('ENOSPC')), true);
    assert.equal(isNoSpace(errno('EDQUOT')), true);
    assert.equal(
      isNoSpace(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })),
      true,
    );
    assert.equal(isNoSpace(Object.assign(new Error('could not extend file'), { code: '53100' })), true);
    assert.equal(isNoSpace(new Error('upload failed', { cause: errno('ENOSPC') })), true);
  });
  it('is false for other errors and for non-errors', () => {
    assert.equal(isNoSpace(Object.assign(new Error('gone'), { code: 'ENOENT' })), false);
    assert.equal(isNoSpace('ENOSPC'), false);
    assert.equal(isNoSpace(null), false);
  });
});

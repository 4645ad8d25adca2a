import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactToken } from '../../src/http/plugins/auth.js';

describe('redactToken', () => {
  it('hides a share token wherever it stands in the query, and nothing else', () => {
    assert.equal(redactToken('/api/batches/b_1?token=abc-DEF_1'), '/api/batches/b_1?token=***');
    assert.equal(
      redactToken('/api/batches/b_1/events?after=3&token=abc&x=1'),
      '/api/batches/b_1/events?after=3&token=***&x=1',
    );
    assert.equal(redactToken('/api/batches/b_1?TOKEN=abc'), '/api/batches/b_1?TOKEN=***');
    assert.equal(redactToken('/api/batches/b_1?tokens=abc'), '/api/batches/b_1?tokens=abc');
    assert.equal(redactToken('/batches/b_1'), '/batches/b_1');
  });
});

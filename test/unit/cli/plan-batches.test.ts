import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planBatches } from '../../../src/cli/plan-batches.js';

const file = (name: string, size: number) => ({ name, size, path: `/in/${name}` });

describe('planBatches', () => {
  it('cuts the files, in order, into batches within the file count and byte limits', () => {
    const files = [file('a', 40), file('b', 40), file('c', 40), file('d', 10), file('e', 10), file('f', 10)];
    const plan = planBatches(files, { maxFiles: 3, maxFileBytes: 100, maxBatchBytes: 100 });
    assert.deepEqual(
      plan.batches.map((b) => b.map((f) => f.name)),
      [['a', 'b'], ['c', 'd', 'e'], ['f']],
    );
    assert.deepEqual(plan.skipped, []);
  });

  it('sets aside a file over the per-file limit with FILE_TOO_LARGE and keeps the rest', () => {
    const plan = planBatches([file('big', 101), file('ok', 5)], {
      maxFiles: 10,
      maxFileBytes: 100,
      maxBatchBytes: 1000,
    });
    assert.deepEqual(
      plan.batches.map((b) => b.map((f) => f.name)),
      [['ok']],
    );
    assert.equal(plan.skipped.length, 1);
    assert.equal(plan.skipped[0]!.file.name, 'big');
    assert.equal(plan.skipped[0]!.code, 'FILE_TOO_LARGE');
    assert.match(plan.skipped[0]!.message, /limit of 100 bytes per file/);
  });

  it('plans nothing for nothing', () => {
    assert.deepEqual(planBatches([], { maxFiles: 1, maxFileBytes: 1, maxBatchBytes: 1 }), {
      batches: [],
      skipped: [],
    });
  });
});

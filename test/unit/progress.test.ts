import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyCounts } from '../../src/core/model.js';
import { batchProgress, estimateRemainingMs } from '../../src/core/progress.js';
import { retryDelayMs } from '../../src/core/backoff.js';

describe('batchProgress', () => {
  it('counts finished files whole and running files by their own progress', () => {
    const counts = { ...emptyCounts(), succeeded: 1, failed: 1, running: 1, queued: 1 };
    assert.equal(batchProgress(counts, 4, 50), 63); // (2 + 0.5) / 4
  });
  it('is 100 for a finished batch and 0 for an untouched one', () => {
    assert.equal(batchProgress({ ...emptyCounts(), succeeded: 2, cancelled: 1 }, 3, 0), 100);
    assert.equal(batchProgress({ ...emptyCounts(), queued: 5 }, 5, 0), 0);
  });
});

describe('estimateRemainingMs', () => {
  it('is unknown until a file has finished', () => {
    assert.equal(estimateRemainingMs({ ...emptyCounts(), running: 2, queued: 8 }, 10, 0, 1000, 5000), null);
  });
  it('extrapolates the batch throughput observed so far', () => {
    // 4 of 10 done in 2 s, nothing running: 6 left at 2 files/s → 3 s
    const counts = { ...emptyCounts(), succeeded: 4, queued: 6 };
    assert.equal(estimateRemainingMs(counts, 10, 0, 1000, 3000), 3000);
  });
  it('is zero when nothing is left', () => {
    assert.equal(estimateRemainingMs({ ...emptyCounts(), succeeded: 3 }, 3, 0, 0, 10), 0);
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt and jitters between half and all of the ceiling', () => {
    assert.equal(retryDelayMs(1, 1000, 0), 500);
    assert.equal(retryDelayMs(1, 1000, 0.999999), 1000);
    assert.equal(retryDelayMs(3, 1000, 0), 2000);
    assert.equal(retryDelayMs(3, 1000, 0.5), 3000);
  });
  it('never waits more than an hour', () => {
    assert.ok(retryDelayMs(40, 1000, 0.999) <= 3_600_000);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canMoveFile, deriveBatchStatus, emptyCounts, type Counts } from '../../src/core/model.js';

const counts = (c: Partial<Counts>): Counts => ({ ...emptyCounts(), ...c });

describe('deriveBatchStatus', () => {
  it('stays queued until a file starts or ends', () => {
    assert.equal(deriveBatchStatus(counts({ queued: 3 }), 3, false, false), 'queued');
  });
  it('is running while any file is queued, running or retrying once started', () => {
    assert.equal(deriveBatchStatus(counts({ queued: 2, running: 1 }), 3, false, true), 'running');
    assert.equal(deriveBatchStatus(counts({ retrying: 1, succeeded: 2 }), 3, false, true), 'running');
  });
  it('stays queued when files were refused at submission but none has run yet', () => {
    assert.equal(deriveBatchStatus(counts({ queued: 2, failed: 1 }), 3, false, false), 'queued');
  });
  it('is completed only when every file succeeded', () => {
    assert.equal(deriveBatchStatus(counts({ succeeded: 3 }), 3, false, true), 'completed');
  });
  it('is completed_with_errors when some succeeded and some failed or were cancelled', () => {
    assert.equal(
      deriveBatchStatus(counts({ succeeded: 2, failed: 1 }), 3, false, true),
      'completed_with_errors',
    );
    assert.equal(
      deriveBatchStatus(counts({ succeeded: 2, cancelled: 1 }), 3, false, true),
      'completed_with_errors',
    );
  });
  it('is failed when no file succeeded', () => {
    assert.equal(deriveBatchStatus(counts({ failed: 2, cancelled: 1 }), 3, false, true), 'failed');
  });
  it('is cancelled when a cancel was requested, even if some files succeeded', () => {
    assert.equal(deriveBatchStatus(counts({ succeeded: 1, cancelled: 2 }), 3, true, true), 'cancelled');
  });
});

describe('file transitions', () => {
  it('allows the moves of the contract', () => {
    assert.ok(canMoveFile('queued', 'running'));
    assert.ok(canMoveFile('running', 'retrying'));
    assert.ok(canMoveFile('retrying', 'running'));
    assert.ok(canMoveFile('failed', 'queued'));
    assert.ok(canMoveFile('cancelled', 'queued'));
  });
  it('never leaves succeeded, and never jumps from queued to succeeded', () => {
    for (const to of ['queued', 'running', 'failed', 'cancelled', 'retrying'] as const) {
      assert.equal(canMoveFile('succeeded', to), false);
    }
    assert.equal(canMoveFile('queued', 'succeeded'), false);
  });
});

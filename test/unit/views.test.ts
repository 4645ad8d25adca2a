/**
 * What the API's file view shows of a file's details, and what only the report keeps: the
 * raw name a cleaned one hides.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyCounts, type Batch, type BatchFile } from '../../src/core/model.js';
import { buildReport } from '../../src/core/report.js';
import { toFileView } from '../../src/core/views.js';

const batch: Batch = {
  id: 'b_00000000000000000000',
  name: null,
  status: 'completed',
  processor: 'copy',
  preset: null,
  settings: {},
  totalFiles: 1,
  counts: { ...emptyCounts(), succeeded: 1 },
  inputBytes: 10,
  outputBytes: 10,
  cancelRequested: false,
  runningProgress: 0,
  aggregate: null,
  createdAt: 1_000,
  startedAt: 2_000,
  finishedAt: 3_000,
};

const file = (details: Record<string, unknown> | null): BatchFile => ({
  batchId: batch.id,
  index: 0,
  name: 'docs/evilgpj.exe',
  status: 'succeeded',
  progress: 100,
  attempts: 1,
  contentType: 'text/plain',
  inputBytes: 10,
  outputBytes: 10,
  outputName: 'docs/evilgpj.exe',
  outputType: 'text/plain',
  durationMs: 5,
  cpuMs: 4,
  error: null,
  details,
  node: 'n1',
  cancelRequested: false,
  startedAt: 2_000,
  finishedAt: 3_000,
});

describe('file details', () => {
  const cleaned = { words: 3, nameCharactersRemoved: 1, originalName: 'docs/evil\\u202egpj.exe' };

  it('shows what cleaning the name did, but not the raw name, in the file view', () => {
    assert.deepEqual(toFileView(file(cleaned)).details, { words: 3, nameCharactersRemoved: 1 });
    assert.deepEqual(toFileView(file({ words: 3 })).details, { words: 3 });
    assert.equal(toFileView(file(null)).details, null);
  });

  it('keeps the raw name, escaped, in the report', () => {
    const report = buildReport(batch, [file(cleaned)], 4_000);
    assert.deepEqual(report.files[0]!.details, cleaned);
    assert.equal(report.files[0]!.name, 'docs/evilgpj.exe');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyCounts, type Batch, type BatchFile } from '../../src/core/model.js';
import { buildReport, CSV_COLUMNS, reportCsv } from '../../src/core/report.js';

const batch: Batch = {
  id: 'b_00000000000000000000',
  name: null,
  status: 'completed_with_errors',
  processor: 'image',
  preset: 'web',
  settings: { format: 'webp' },
  totalFiles: 3,
  counts: { ...emptyCounts(), succeeded: 2, failed: 1 },
  inputBytes: 3000,
  outputBytes: 700,
  cancelRequested: false,
  runningProgress: 0,
  aggregate: null,
  createdAt: 1_000,
  startedAt: 2_000,
  finishedAt: 6_000,
};

function file(index: number, over: Partial<BatchFile>): BatchFile {
  return {
    batchId: batch.id,
    index,
    name: `f${index}.jpg`,
    status: 'succeeded',
    progress: 100,
    attempts: 1,
    contentType: 'image/jpeg',
    inputBytes: 1000,
    outputBytes: 350,
    outputName: `f${index}.webp`,
    outputType: 'image/webp',
    durationMs: 100,
    cpuMs: 80,
    error: null,
    details: null,
    node: 'n1',
    cancelRequested: false,
    startedAt: 2_000,
    finishedAt: 3_000,
    ...over,
  };
}

const files = [
  file(0, {}),
  file(1, { name: '=cmd|calc.jpg' }),
  file(2, {
    status: 'failed',
    outputBytes: null,
    error: { code: 'CORRUPT_INPUT', message: 'bad, "really"' },
    cpuMs: 5,
  }),
];

describe('buildReport', () => {
  it('sums the succeeded files and groups errors by code', () => {
    const { summary } = buildReport(batch, files, 10_000);
    assert.equal(summary.succeeded, 2);
    assert.equal(summary.failed, 1);
    assert.equal(summary.successRate, 0.6667);
    assert.equal(summary.wallMs, 4000);
    assert.equal(summary.runMs, 1000, 'the three ran side by side from 2 000 to 3 000');
    assert.equal(summary.cpuMs, 165);
    assert.equal(summary.filesPerSecond, 3);
    assert.equal(summary.inputBytes, 2000);
    assert.equal(summary.outputBytes, 700);
    assert.equal(summary.sizeReduction, 0.65);
    assert.deepEqual(summary.errorsByCode, { CORRUPT_INPUT: 1 });
  });
  it('times the runs, not the wait before a retry long after the end', () => {
    // Two files side by side for 10 s, then one retried 20 minutes after the end, for 5 s.
    const late = [
      file(0, { startedAt: 0, finishedAt: 10_000 }),
      file(1, { startedAt: 2_000, finishedAt: 9_000 }),
      file(2, { startedAt: 20 * 60_000, finishedAt: 20 * 60_000 + 5_000 }),
      file(3, { status: 'cancelled', startedAt: null, finishedAt: null }),
    ];
    const { summary } = buildReport({ ...batch, startedAt: 0, finishedAt: 20 * 60_000 + 5_000 }, late, 0);
    assert.equal(summary.wallMs, 20 * 60_000 + 5_000);
    assert.equal(summary.runMs, 15_000);
    assert.equal(summary.filesPerSecond, 0.2, 'three files in 15 s of runs');
  });

  it('states no size reduction for a processor whose outputs are reports', () => {
    const { summary } = buildReport(batch, files, 10_000, 'report');
    assert.equal(summary.sizeReduction, null);
    assert.equal(summary.inputBytes, 2000, 'what was read is still said');
    assert.equal(buildReport(batch, files, 10_000, 'copy').summary.sizeReduction, 0.65);
  });
  it('hides the output of files that did not succeed', () => {
    const report = buildReport(batch, files, 10_000);
    assert.equal(report.files[2]!.outputName, null);
    assert.equal(report.files[0]!.outputName, 'f0.webp');
  });
});

describe('reportCsv', () => {
  it('has a header row and one row per file, quoting commas and quotes', () => {
    const csv = reportCsv(buildReport(batch, files, 10_000).files);
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[0], CSV_COLUMNS.join(','));
    assert.match(lines[3]!, /CORRUPT_INPUT,"bad, ""really"""/);
  });
  it('neutralises cells a spreadsheet would run as a formula', () => {
    const csv = reportCsv(buildReport(batch, files, 10_000).files);
    assert.match(csv, /,'=cmd\|calc\.jpg,/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderSummary, resultRows } from '../../../src/cli/submit-summary.js';
import { formatBytes, formatChange, formatDuration } from '../../../src/core/format.js';
import type { FileView } from '../../../src/core/views.js';

function view(index: number, over: Partial<FileView>): FileView {
  return {
    index,
    name: `f${index}.jpg`,
    status: 'succeeded',
    progress: 100,
    attempts: 1,
    contentType: 'image/jpeg',
    inputBytes: 2048,
    outputBytes: 512,
    outputName: `f${index}.webp`,
    durationMs: 1500,
    error: null,
    details: null,
    node: null,
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

describe('submit summary', () => {
  it('lists every file with its sizes, time and reason, then the totals', () => {
    const rows = resultRows(
      [
        {
          id: 'b_1',
          files: [
            view(0, {}),
            view(1, {
              status: 'failed',
              outputBytes: null,
              durationMs: 20,
              error: { code: 'CORRUPT_INPUT', message: 'Broken JPEG.' },
            }),
          ],
        },
      ],
      [
        {
          file: { name: 'huge.mov', size: 3 * 1024 ** 3, path: '/x' },
          code: 'FILE_TOO_LARGE',
          message: 'Too big.',
        },
      ],
    );
    const text = renderSummary(rows, { elapsedMs: 2500, out: 'out/', written: 1 });
    const lines = text.split('\n');
    assert.match(lines[0]!, /^status\s+file\s+before\s+after\s+change\s+time\s+reason$/);
    assert.match(lines[1]!, /^succeeded\s+f0\.jpg\s+2\.0 KiB\s+512 B\s+−75 %\s+1\.5 s$/);
    assert.match(lines[2]!, /^failed\s+f1\.jpg\s+2\.0 KiB\s+–\s+20 ms\s+CORRUPT_INPUT: Broken JPEG\.$/);
    assert.match(lines[3]!, /^skipped\s+huge\.mov\s+3\.0 GiB\s+–\s+–\s+FILE_TOO_LARGE: Too big\.$/);
    assert.equal(lines[5], '3 files in 2.5 s: 1 succeeded, 1 failed, 1 skipped · 2.0 KiB → 512 B (−75 %)');
    assert.equal(lines[6], '1 files written to out/');
  });

  it('lists only what did not succeed when there are many files', () => {
    const files = Array.from({ length: 60 }, (_, i) =>
      view(i, i === 7 ? { status: 'cancelled', outputBytes: null, error: null } : {}),
    );
    const text = renderSummary(resultRows([{ id: 'b_1', files }], []), {
      elapsedMs: 1,
      out: 'o',
      written: 59,
    });
    const lines = text.split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[1]!, /^cancelled\s+f7\.jpg/);
    assert.equal(lines[2], '… and 59 more succeeded (report.json lists every file)');
  });

  it('formats sizes, durations and changes for people', () => {
    assert.deepEqual([0, 1023, 1536, 10 * 1024 ** 2, 5.5 * 1024 ** 3].map(formatBytes), [
      '0 B',
      '1023 B',
      '1.5 KiB',
      '10 MiB',
      '5.5 GiB',
    ]);
    assert.deepEqual([12, 1234, 83_000].map(formatDuration), ['12 ms', '1.2 s', '1 min 23 s']);
    assert.deepEqual(
      [formatChange(1000, 250), formatChange(100, 150), formatChange(100, 100), formatChange(0, 5)],
      ['−75 %', '+50 %', '±0 %', ''],
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderDocAggregate, renderSummary, resultRows } from '../../../src/cli/submit-summary.js';
import { counted, formatBytes, formatChange, formatDuration } from '../../../src/core/format.js';
import type { FileView } from '../../../src/core/views.js';
import { docAggregate } from '../../fixtures/doc-aggregate.js';

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
    outputType: 'image/webp',
    cpuMs: null,
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
    assert.equal(lines[6], '1 file written to out/');
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
    assert.deepEqual(
      [
        counted(0, 'file'),
        counted(1, 'file'),
        counted(2, 'file'),
        counted(1, 'batch', 'batches'),
        counted(3, 'batch', 'batches'),
      ],
      ['0 files', '1 file', '2 files', '1 batch', '3 batches'],
    );
  });

  it("prints doc-analyze's totals, languages, common terms and near-duplicate pairs", () => {
    assert.deepEqual(renderDocAggregate(docAggregate).split('\n'), [
      'Document analysis: 5 documents · 3 pages · 1,600 words',
      'languages: English (eng) 4, French (fra) 1',
      'common terms: harbour (4 of 5), tide (2 of 5)',
      'near duplicates:',
      '  docs/a.txt ↔ docs/a-copy.md  91 %',
    ]);
    const none = renderDocAggregate({ ...docAggregate, commonTerms: [], nearDuplicates: [] }, 'b_2');
    assert.match(none, /^Document analysis of b_2: /);
    assert.match(none, /^common terms: none in more than 30 % of the documents$/m);
    assert.match(none, /^near duplicates: none$/m);
  });

  it('prints the first ten terms and pairs and says how many more report.json has', () => {
    const many = Array.from({ length: 13 }, (_, i) => i);
    const text = renderDocAggregate({
      ...docAggregate,
      documents: 20,
      commonTerms: many.map((i) => ({ term: `t${i}`, documents: 20 - i, share: (20 - i) / 20 })),
      nearDuplicates: many.map((i) => ({
        files: [i, i + 1],
        names: [`${i}.txt`, `${i + 1}.txt`],
        similarity: 0.9,
      })),
    });
    assert.match(
      text,
      /^common terms: t0 \(20 of 20\), .*, t9 \(11 of 20\) … and 3 more \(report\.json has all\)$/m,
    );
    assert.equal(text.match(/ ↔ /g)?.length, 10);
    assert.ok(text.endsWith('\n  9.txt ↔ 10.txt  90 %\n  … and 3 more (report.json has all)'), text);
  });

  it("prints nothing for another processor's aggregate or none", () => {
    assert.equal(renderDocAggregate({ documents: 2, words: 4, names: [] }), '');
    assert.equal(renderDocAggregate(undefined), '');
  });
});

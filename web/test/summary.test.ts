import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FileView } from '../src/api.js';
import { errorGroups, facts, findings, histogram } from '../src/summary.js';

const failed = (name: string, code: string, message = `${code} in ${name}`) =>
  ({ name, error: { code, message } }) as FileView;

describe('the batch summary', () => {
  it('states the figures a person looks for', () => {
    const summary = {
      totalFiles: 10,
      succeeded: 9,
      failed: 1,
      cancelled: 0,
      successRate: 0.9,
      wallMs: 12_300,
      cpuMs: 20_000,
      filesPerSecond: 0.81,
      inputBytes: 10 * 1024 ** 2,
      outputBytes: 2.5 * 1024 ** 2,
      sizeReduction: 0.75,
      errorsByCode: { CORRUPT_INPUT: 1 },
    };
    assert.deepEqual(
      facts({ summary }).map((f) => `${f.label}: ${f.value}`),
      [
        'Files: 9/10 succeeded',
        'Success rate: 90 %',
        'Total time: 12.3 s',
        'Throughput: 0.8 files/s',
        'Size: 10 MiB → 2.5 MiB',
        'Reduction: 75 % smaller',
        'CPU time: 20.0 s',
      ],
    );
    assert.equal(facts({ summary: { ...summary, sizeReduction: -0.2 } })[5]!.value, '20 % larger');
  });

  it('groups failures by code, most frequent first, with a few examples each', () => {
    const groups = errorGroups(
      [
        failed('a.jpg', 'CORRUPT_INPUT'),
        { name: 'ok.jpg', error: null } as FileView,
        failed('b.pdf', 'UNSUPPORTED_TYPE'),
        failed('c.jpg', 'CORRUPT_INPUT'),
        failed('d.jpg', 'CORRUPT_INPUT'),
      ],
      2,
    );
    assert.deepEqual(
      groups.map((g) => [g.code, g.count, g.examples.map((e) => e.name)]),
      [
        ['CORRUPT_INPUT', 3, ['a.jpg', 'c.jpg']],
        ['UNSUPPORTED_TYPE', 1, ['b.pdf']],
      ],
    );
    assert.equal(groups[0]!.examples[0]!.message, 'CORRUPT_INPUT in a.jpg');
  });

  it('bins durations into equal ranges, the largest value in the last bin', () => {
    assert.deepEqual(
      histogram([0, 10, 20, 30, 40], 4).map((b) => [b.from, b.to, b.count]),
      [
        [0, 10, 1],
        [10, 20, 1],
        [20, 30, 1],
        [30, 40, 2],
      ],
    );
    assert.deepEqual(histogram([], 4), []);
    assert.deepEqual(
      histogram([5, 5], 4).map((b) => b.count),
      [2],
    );
  });

  it('counts the files in which a processor found active content, and what', () => {
    const file = (found: Record<string, number> | null) =>
      ({ details: found ? { found } : null }) as FileView;
    assert.deepEqual(
      findings([
        file({ javascript: 2, launch: 0 }),
        file({ javascript: 0 }),
        file({ embeddedFile: 1, javascript: 1 }),
        file(null),
      ]),
      { files: 2, of: 3, byKind: { javascript: 3, embeddedFile: 1 } },
    );
    assert.equal(findings([file(null)]), null, 'an image batch has no findings');
  });
});

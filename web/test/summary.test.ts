import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { languageName, parseDocAggregate } from '../../src/core/doc-aggregate.js';
import { docAggregate } from '../../test/fixtures/doc-aggregate.js';
import type { FileView } from '../src/api.js';
import { docAnalysis, errorGroups, facts, findings, histogram } from '../src/summary.js';

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
      wallMs: 20 * 60_000,
      runMs: 12_300,
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
        'Throughput: 48.6 files/min',
        'Size: 10 MiB → 2.5 MiB',
        'Reduction: 75 % smaller',
        'CPU time: 20.0 s',
      ],
    );
    assert.equal(facts({ summary: { ...summary, sizeReduction: -0.2 } })[5]!.value, '20 % larger');
    assert.equal(
      facts({ summary: { ...summary, runMs: 0 } })[2]!.value,
      '20 min 0 s',
      'no file ran: from the start to the end',
    );
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

describe("doc-analyze's batch analysis", () => {
  it('reads the aggregate doc-analyze writes, keeping what is shown', () => {
    const parsed = parseDocAggregate(docAggregate);
    assert.ok(parsed);
    assert.deepEqual(
      [parsed.documents, parsed.totalPages, parsed.totalWords, parsed.languages],
      [5, 3, 1600, { fra: 1, eng: 4 }],
    );
    assert.deepEqual(parsed.commonTerms[0], { term: 'harbour', documents: 4, share: 0.8 });
    assert.deepEqual(parsed.nearDuplicates, [{ names: ['docs/a.txt', 'docs/a-copy.md'], similarity: 0.906 }]);
    assert.deepEqual(parsed.files, docAggregate.files);
  });

  it("is null for no aggregate, another processor's, or one missing a total or a list", () => {
    const { commonTerms: _, ...withoutTerms } = docAggregate;
    for (const value of [
      undefined,
      null,
      'text',
      [docAggregate],
      { documents: 2, words: 4, names: ['a.txt', 'c.txt'] },
      withoutTerms,
      { ...docAggregate, totalWords: '1600' },
      { ...docAggregate, documents: -1 },
      { ...docAggregate, languages: ['eng'] },
      { ...docAggregate, files: {} },
    ]) {
      assert.equal(parseDocAggregate(value), null, JSON.stringify(value));
    }
  });

  it('leaves out the entries it cannot show and fills what a row may lack', () => {
    const parsed = parseDocAggregate({
      ...docAggregate,
      languages: { eng: 4, fra: 'one' },
      commonTerms: [
        { term: 'tide', documents: 2, share: 4 },
        null,
        { term: 'harbour', documents: 4, share: 0.8 },
      ],
      nearDuplicates: [{ names: ['only-one.txt'], similarity: 0.9 }],
      files: [
        { index: 3, name: 'x.pdf', words: 10, format: 7, pages: 'two', quality: null, keywords: ['a', 1] },
        { index: 4, words: 10 },
      ],
    });
    assert.ok(parsed);
    assert.deepEqual(parsed.languages, { eng: 4 });
    assert.deepEqual(
      parsed.commonTerms.map((t) => t.term),
      ['harbour'],
    );
    assert.deepEqual(parsed.nearDuplicates, []);
    assert.deepEqual(parsed.files, [
      {
        index: 3,
        name: 'x.pdf',
        format: null,
        pages: null,
        words: 10,
        language: 'und',
        quality: null,
        keywords: ['a'],
      },
    ]);
  });

  it('names languages from their ISO 639-3 codes, or shows the code', () => {
    assert.deepEqual(['eng', 'fra', 'deu', 'und', 'zzz', 'not a code'].map(languageName), [
      'English',
      'French',
      'German',
      'undetermined',
      'zzz',
      'not a code',
    ]);
  });

  it('states the totals, the languages by count, and terms and pairs as shares', () => {
    const analysis = docAnalysis({ aggregate: docAggregate });
    assert.ok(analysis);
    assert.deepEqual(
      analysis.headline.map((f) => `${f.label}: ${f.value}`),
      ['Documents: 5', 'Pages: 3', 'Words: 1,600'],
    );
    assert.deepEqual(analysis.languages, [
      { code: 'eng', name: 'English', count: 4 },
      { code: 'fra', name: 'French', count: 1 },
    ]);
    assert.deepEqual(analysis.commonTerms[0], {
      term: 'harbour',
      documents: 'in 4 of 5 documents',
      share: '80 %',
    });
    assert.deepEqual(analysis.nearDuplicates, [{ a: 'docs/a.txt', b: 'docs/a-copy.md', similarity: '91 %' }]);
    assert.equal(docAnalysis({ aggregate: { documents: 2, words: 4 } }), null);
    assert.equal(docAnalysis({}), null);
  });
});

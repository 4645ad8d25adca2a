/**
 * The summary of a batch whose outputs are reports (doc-analyze): no "Reduction 98 %
 * smaller", which means nothing for an analysis, but what was analysed; a batch of copies
 * (image) keeps its sizes and reduction. Rendered by React itself (react-dom/server).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ReportSummary } from '../../src/core/report.js';
import { docAggregate } from '../../test/fixtures/doc-aggregate.js';
import { DocAnalysis } from '../src/components/DocAnalysis.js';
import { SummaryFacts } from '../src/components/Summary.js';
import { comparesSizes, docAnalysis } from '../src/summary.js';

const summary: ReportSummary = {
  totalFiles: 5,
  succeeded: 5,
  failed: 0,
  cancelled: 0,
  successRate: 1,
  wallMs: 4_000,
  runMs: 4_000,
  cpuMs: 3_000,
  filesPerSecond: 1.25,
  inputBytes: 4 * 1024 ** 2,
  outputBytes: 80 * 1024,
  sizeReduction: 0.98,
  errorsByCode: {},
};

/** The figures as a person reads them: "label: value" per figure. */
const figures = (html: string) =>
  [...html.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map(([, label, value]) => `${label}: ${value}`);

describe('the summary of a batch of reports', () => {
  it('states no size reduction for reports, and what was analysed instead', () => {
    const reports = { ...summary, sizeReduction: null };
    const html = renderToStaticMarkup(<SummaryFacts report={{ summary: reports, files: [] }} />);
    assert.doesNotMatch(html, /Reduction|smaller|larger|→/);
    assert.ok(figures(html).includes('Analysed: 4.0 MiB in 5 files'), figures(html).join(' | '));
    assert.equal(comparesSizes(reports), false, 'no before-and-after chart either');

    const analysis = renderToStaticMarkup(
      <DocAnalysis analysis={docAnalysis({ aggregate: docAggregate })!} />,
    );
    assert.deepEqual(figures(analysis), ['Documents: 5', 'Pages: 3', 'Words: 1,600']);
    assert.match(analysis, /English \(eng\): 4/);
  });

  it('keeps the sizes and the reduction for copies', () => {
    const html = renderToStaticMarkup(<SummaryFacts report={{ summary, files: [] }} />);
    assert.ok(figures(html).includes('Size: 4.0 MiB → 80 KiB'), figures(html).join(' | '));
    assert.ok(figures(html).includes('Reduction: 98 % smaller'));
    assert.equal(comparesSizes(summary), true);
  });
});

/**
 * What the summary of a finished batch shows, computed from its `report.json`: the key
 * figures, the errors grouped by code, the bins of the duration chart, and doc-analyze's
 * batch analysis. Pure, so it is tested without a browser.
 */
import {
  formatShare,
  languagesByCount,
  parseDocAggregate,
  type DocAggregateFile,
} from '../../src/core/doc-aggregate.js';
import { formatBytes, formatDuration } from '../../src/core/format.js';
import type { Report, ReportSummary } from '../../src/core/report.js';
import type { FileView } from './api.js';
import { formatRate } from './pace.js';

export interface Fact {
  label: string;
  value: string;
}

/**
 * The key figures. Time and throughput are the runs' own (the report's `runMs`, see
 * src/core/run-time.ts), not the `wallMs` from the batch's start to its last end, which
 * counts a later retry's wait — unless no file ran (all cancelled before they started).
 */
export function facts({ summary }: Pick<Report, 'summary'>): Fact[] {
  const ran = summary.runMs > 0 ? summary.runMs : summary.wallMs;
  return [
    { label: 'Files', value: `${summary.succeeded}/${summary.totalFiles} succeeded` },
    { label: 'Success rate', value: `${Math.round(summary.successRate * 100)} %` },
    { label: 'Total time', value: formatDuration(ran) },
    { label: 'Throughput', value: formatRate(summary.filesPerSecond) },
    ...sizeFacts(summary),
    { label: 'CPU time', value: formatDuration(summary.cpuMs) },
  ];
}

/**
 * Whether the outputs are copies of the inputs, whose sizes are worth comparing; not when
 * they are reports (doc-analyze's analyses), which the report says with a null reduction.
 */
export function comparesSizes(summary: Pick<ReportSummary, 'sizeReduction'>): boolean {
  return summary.sizeReduction !== null;
}

/** Before → after and the reduction for copies; for reports, how much was analysed. */
function sizeFacts(summary: ReportSummary): Fact[] {
  if (summary.sizeReduction === null) {
    const documents = `${summary.succeeded.toLocaleString('en')} ${summary.succeeded === 1 ? 'file' : 'files'}`;
    return [{ label: 'Analysed', value: `${formatBytes(summary.inputBytes)} in ${documents}` }];
  }
  const reduction = Math.round(summary.sizeReduction * 100);
  return [
    {
      label: 'Size',
      value: `${formatBytes(summary.inputBytes)} → ${formatBytes(summary.outputBytes)}`,
    },
    {
      label: 'Reduction',
      value: reduction >= 0 ? `${reduction} % smaller` : `${-reduction} % larger`,
    },
  ];
}

/**
 * For processors that report what they found in each file (pdf-sanitize's `details.found`:
 * kind → count): how many files had any, and the total per kind. Null when none reports it.
 */
export function findings(
  files: readonly FileView[],
): { files: number; of: number; byKind: Record<string, number> } | null {
  const reporting = files.filter(
    (f) => f.details && typeof f.details.found === 'object' && f.details.found !== null,
  );
  if (reporting.length === 0) return null;
  const byKind: Record<string, number> = {};
  let withAny = 0;
  for (const file of reporting) {
    const found = file.details!.found as Record<string, number>;
    let any = false;
    for (const [kind, count] of Object.entries(found)) {
      if (typeof count !== 'number' || count <= 0) continue;
      byKind[kind] = (byKind[kind] ?? 0) + count;
      any = true;
    }
    if (any) withAny++;
  }
  return { files: withAny, of: reporting.length, byKind };
}

/** doc-analyze's batch analysis (`report.aggregate`) as the summary shows it. */
export interface DocAnalysis {
  headline: Fact[];
  languages: { code: string; name: string; count: number }[];
  /** `documents`: "in 4 of 5 documents". */
  commonTerms: { term: string; documents: string; share: string }[];
  nearDuplicates: { a: string; b: string; similarity: string }[];
  files: DocAggregateFile[];
}

/** Null unless the report's aggregate is doc-analyze's (another processor's, or none). */
export function docAnalysis({ aggregate }: Pick<Report, 'aggregate'>): DocAnalysis | null {
  const parsed = parseDocAggregate(aggregate);
  if (!parsed) return null;
  const { documents, totalPages, totalWords } = parsed;
  return {
    headline: [
      { label: 'Documents', value: documents.toLocaleString('en') },
      { label: 'Pages', value: totalPages.toLocaleString('en') },
      { label: 'Words', value: totalWords.toLocaleString('en') },
    ],
    languages: languagesByCount(parsed),
    commonTerms: parsed.commonTerms.map((t) => ({
      term: t.term,
      documents: `in ${t.documents} of ${documents} documents`,
      share: formatShare(t.share),
    })),
    nearDuplicates: parsed.nearDuplicates.map(({ names: [a, b], similarity }) => ({
      a,
      b,
      similarity: formatShare(similarity),
    })),
    files: parsed.files,
  };
}

export interface ErrorGroup {
  code: string;
  count: number;
  /** A few of the files with this error and what it said about each. */
  examples: { name: string; message: string }[];
}

/** Failures grouped by code, most frequent first, with up to `perGroup` examples each. */
export function errorGroups(files: readonly FileView[], perGroup = 3): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const file of files) {
    if (!file.error) continue;
    const group = groups.get(file.error.code) ?? { code: file.error.code, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < perGroup)
      group.examples.push({ name: file.name, message: file.error.message });
    groups.set(file.error.code, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export interface Bin {
  /** Lower bound, inclusive, in ms. */
  from: number;
  /** Upper bound, exclusive (inclusive for the last bin), in ms. */
  to: number;
  count: number;
}

/** `values` counted into `bins` equal ranges from their minimum to their maximum. */
export function histogram(values: readonly number[], bins = 8): Bin[] {
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const width = max === min ? 1 : (max - min) / bins;
  const count = max === min ? 1 : bins;
  const result: Bin[] = Array.from({ length: count }, (_, i) => ({
    from: min + i * width,
    to: min + (i + 1) * width,
    count: 0,
  }));
  for (const value of values) result[Math.min(count - 1, Math.floor((value - min) / width))]!.count++;
  return result;
}

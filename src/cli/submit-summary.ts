/**
 * The table `filemill submit` ends with: one row per file (status, name, size before and
 * after, time, and why it failed), then the totals. A long run lists only what did not
 * succeed; report.json has every file. After it, the headline figures of a batch analysis
 * (doc-analyze's aggregate) when the report has one.
 */
import { formatShare, languagesByCount, parseDocAggregate } from '../core/doc-aggregate.js';
import type { FileView } from '../core/views.js';
import { counted, formatBytes, formatChange, formatDuration } from '../core/format.js';
import type { SkippedFile } from './plan-batches.js';

export interface ResultRow {
  name: string;
  /** A file status, or `skipped` for a file never sent. */
  status: string;
  inputBytes: number;
  outputBytes: number | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  batchId: string | null;
}

export function resultRows(
  batches: { id: string; files: FileView[] }[],
  skipped: SkippedFile[],
): ResultRow[] {
  const rows: ResultRow[] = batches.flatMap(({ id, files }) =>
    files.map((f) => ({
      name: f.name,
      status: f.status,
      inputBytes: f.inputBytes,
      outputBytes: f.outputBytes,
      durationMs: f.durationMs,
      error: f.error,
      batchId: id,
    })),
  );
  for (const { file, code, message } of skipped) {
    rows.push({
      name: file.name,
      status: 'skipped',
      inputBytes: file.size,
      outputBytes: null,
      durationMs: null,
      error: { code, message },
      batchId: null,
    });
  }
  return rows;
}

/** Up to this many files, every row is listed; above it, only those that did not succeed. */
const MAX_LISTED = 50;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const right = new Set([2, 3, 4, 5]);
  return rows.map((row) =>
    row
      .map((cell, column) =>
        right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  );
}

export function renderSummary(
  rows: ResultRow[],
  run: { elapsedMs: number; out: string; written: number },
): string {
  const listed = rows.length <= MAX_LISTED ? rows : rows.filter((r) => r.status !== 'succeeded');
  const lines: string[] = [];
  if (listed.length > 0) {
    lines.push(
      ...table([
        ['status', 'file', 'before', 'after', 'change', 'time', 'reason'],
        ...listed.map((r) => [
          r.status,
          r.name,
          formatBytes(r.inputBytes),
          r.outputBytes === null ? '–' : formatBytes(r.outputBytes),
          r.outputBytes === null ? '' : formatChange(r.inputBytes, r.outputBytes),
          r.durationMs === null ? '–' : formatDuration(r.durationMs),
          r.error ? `${r.error.code}: ${r.error.message}` : '',
        ]),
      ]),
    );
  }
  if (listed.length < rows.length) {
    lines.push(`… and ${rows.length - listed.length} more succeeded (report.json lists every file)`);
  }

  const byStatus = new Map<string, number>();
  for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ');
  const succeeded = rows.filter((r) => r.status === 'succeeded');
  const before = succeeded.reduce((sum, r) => sum + r.inputBytes, 0);
  const after = succeeded.reduce((sum, r) => sum + (r.outputBytes ?? 0), 0);
  const sizes =
    succeeded.length > 0
      ? ` · ${formatBytes(before)} → ${formatBytes(after)} (${formatChange(before, after)})`
      : '';
  lines.push('', `${counted(rows.length, 'file')} in ${formatDuration(run.elapsedMs)}: ${counts}${sizes}`);
  lines.push(`${counted(run.written, 'file')} written to ${run.out}`);
  return lines.join('\n');
}

/** Common terms and near-duplicate pairs printed at the most; report.json has them all. */
const AGGREGATE_LISTED = 10;

/** ` … and 3 more` when `total` is over what is printed. */
const more = (total: number) =>
  total > AGGREGATE_LISTED ? ` … and ${total - AGGREGATE_LISTED} more (report.json has all)` : '';

/**
 * doc-analyze's batch analysis in a few lines: totals, languages, the most widespread terms
 * and the most similar pairs. Empty when `aggregate` is not doc-analyze's. `batchId` names
 * the batch when a run had several, each with its own analysis.
 */
export function renderDocAggregate(aggregate: unknown, batchId?: string): string {
  const parsed = parseDocAggregate(aggregate);
  if (!parsed) return '';
  const { documents, totalPages, totalWords, commonTerms, nearDuplicates } = parsed;
  const count = (n: number) => n.toLocaleString('en');
  const of = batchId ? ` of ${batchId}` : '';
  const languages = languagesByCount(parsed).map((l) =>
    l.name === l.code ? `${l.code} ${l.count}` : `${l.name} (${l.code}) ${l.count}`,
  );
  const terms = commonTerms
    .slice(0, AGGREGATE_LISTED)
    .map((t) => `${t.term} (${t.documents} of ${documents})`);
  const pairs = nearDuplicates
    .slice(0, AGGREGATE_LISTED)
    .map(({ names, similarity }) => `  ${names[0]} ↔ ${names[1]}  ${formatShare(similarity)}`);
  return [
    `Document analysis${of}: ${count(documents)} documents · ${count(totalPages)} pages · ${count(totalWords)} words`,
    `languages: ${languages.join(', ') || 'none'}`,
    `common terms: ${terms.join(', ') || 'none in more than 30 % of the documents'}${more(commonTerms.length)}`,
    `near duplicates:${pairs.length === 0 ? ' none' : ''}`,
    ...pairs,
    // Indented under the pairs, as one of them.
    ...(nearDuplicates.length > AGGREGATE_LISTED ? [` ${more(nearDuplicates.length)}`] : []),
  ].join('\n');
}

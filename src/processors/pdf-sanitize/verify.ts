/**
 * The check after writing: the output, parsed again, is walked from its trailer by the same
 * allow-list the disarm applied (inspect.ts); anything outside it that a reader could reach
 * fails the file closed (no output is kept).
 */
import type { PDFDocument } from '@cantoo/pdf-lib';
import { inspect } from './inspect.js';
import type { DisarmOptions } from './policy.js';

/** What remains that should not, e.g. `launch: /A in 12 0 R`; `[]` for a clean file. */
export function remainingRisks(doc: PDFDocument, options: DisarmOptions): string[] {
  return inspect(doc, options, 'report').map((finding) => `${finding.kind}: ${finding.where}`);
}

/**
 * A batch's name: what a person calls it (the folder they dropped, e.g. `trip`), shown on
 * the page and in the list, and the stem of its downloads (`trip-results.zip`). Optional;
 * a batch without one goes by its id (`batch-<id>-results.zip`).
 */
import { AppError } from './errors.js';

/** The longest name kept, in characters (code points), after cleaning. */
export const MAX_BATCH_NAME = 100;

// C0 and C1 controls, and the Unicode format characters that reorder or hide text
// (bidirectional overrides, zero-width marks): a name must read as what it is.
const CONTROL = /[\p{Cc}\p{Cf}]/gu;

/**
 * The name as sent, cleaned: white space made spaces, other control characters removed, runs of spaces made one,
 * ends trimmed. Null for none (no field, or nothing left).
 * @throws AppError INVALID_REQUEST when longer than MAX_BATCH_NAME characters.
 */
export function cleanBatchName(value: string | undefined): string | null {
  if (value === undefined) return null;
  // Line breaks and tabs part words: they become spaces before the other controls go.
  const name = value.replace(/\s/gu, ' ').replace(CONTROL, '').replace(/ {2,}/g, ' ').trim();
  if (name === '') return null;
  const length = [...name].length;
  if (length > MAX_BATCH_NAME) {
    throw new AppError(
      'INVALID_REQUEST',
      `The batch name is ${length} characters long: give at most ${MAX_BATCH_NAME}.`,
      { details: { field: 'name', limit: MAX_BATCH_NAME } },
    );
  }
  return name;
}

/** What a download of the batch is called: `<name>-<what>`, or `batch-<id>-<what>` without a name. */
export function downloadName(batch: { id: string; name: string | null }, what: string): string {
  const stem = batch.name === null ? `batch-${batch.id}` : safeStem(batch.name);
  return `${stem}-${what}`;
}

/**
 * The name as a file name on any system: no path separators or characters Windows refuses,
 * no leading dot (a hidden file) and no trailing dot or space (Windows drops them).
 */
function safeStem(name: string): string {
  const stem = name
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  return stem === '' ? 'batch' : stem;
}

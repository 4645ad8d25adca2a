/**
 * The check after writing: the output is parsed again and every object's keys are looked
 * at; a file that still holds anything that can act fails closed (no output is kept).
 */
import { PDFName, type PDFDocument } from '@cantoo/pdf-lib';
import { RISKY_ANNOTATIONS } from './disarm.js';
import { forEachDict } from './walk.js';

/** Keys that must not appear anywhere in a disarmed file. */
const FORBIDDEN_KEYS = [
  'JS',
  'JavaScript',
  'AA',
  'Launch',
  'EmbeddedFiles',
  'EmbeddedFile',
  'XFA',
  'RichMedia',
  'RichMediaContent',
];
/** Action types (`/S`) that must not appear. */
const FORBIDDEN_ACTIONS = new Set([
  'JavaScript',
  'Launch',
  'SubmitForm',
  'ImportData',
  'GoToR',
  'GoToE',
  'RichMediaExecute',
  'Rendition',
]);

/** What remains that should not: `[]` for a clean file. (An `/OpenAction` that only goes to a page is fine: its action, if any, is checked by its `/S`.) */
export function remainingRisks(doc: PDFDocument): string[] {
  const found: string[] = [];
  forEachDict(doc, (dict, ref) => {
    for (const key of FORBIDDEN_KEYS) {
      if (dict.has(PDFName.of(key))) found.push(`/${key} in ${ref.toString()}`);
    }
    const type = dict.get(PDFName.of('S'));
    if (type instanceof PDFName && FORBIDDEN_ACTIONS.has(type.decodeText()))
      found.push(`/S /${type.decodeText()} in ${ref.toString()}`);
    const subtype = dict.get(PDFName.of('Subtype'));
    if (subtype instanceof PDFName && Object.hasOwn(RISKY_ANNOTATIONS, subtype.decodeText()))
      found.push(`/Subtype /${subtype.decodeText()} in ${ref.toString()}`);
  });
  return found;
}

/**
 * PDFs no reader can make sense of, made here: cut off at several points before anything
 * usable, garbage after the header, cross-references that lead nowhere. Every document
 * processor must fail each of them with `CORRUPT_INPUT`.
 */
import { handWrittenPdf } from './pdf-fixtures.js';

const CATALOG = '<< /Type /Catalog /Pages 2 0 R >>';
const PAGES = '<< /Type /Pages /Count 1 /Kids [3 0 R] >>';
const PAGE = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] >>';

/** Name → bytes of every malformed PDF. */
export function malformedPdfs(): Record<string, Uint8Array> {
  const whole = Buffer.from(handWrittenPdf([CATALOG, PAGES, PAGE]));
  const text = whole.toString('latin1');
  const cutAt = (marker: string) => whole.subarray(0, text.indexOf(marker));
  return {
    'cut after the header': whole.subarray(0, '%PDF-1.7\n'.length),
    'cut inside the catalog': whole.subarray(0, text.indexOf('/Pages 2 0 R')),
    'cut before the page tree': cutAt('2 0 obj'),
    'garbage after the header': Buffer.from(`%PDF-1.7\n${'garbage '.repeat(100)}`),
    'binary garbage after the header': Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256)),
    ]),
    'cross-references into garbage': xrefIntoGarbage(),
    'catalog pointing at a page tree that is not one': handWrittenPdf([CATALOG, '[1 2 3]']),
    'a page-tree kid that does not exist': handWrittenPdf([
      CATALOG,
      '<< /Type /Pages /Count 1 /Kids [9 0 R] >>',
    ]),
    'a page-tree kid that is no page': handWrittenPdf([CATALOG, PAGES, '(just a string)']),
  };
}

/** A table of cross-references and a trailer, correct in form, whose one object is noise. */
function xrefIntoGarbage(): Buffer {
  const head = `%PDF-1.4\n${'\u00ff\u00fe'.repeat(200)}\n`;
  const xref = Buffer.byteLength(head, 'latin1');
  const tail =
    `xref\n0 2\n0000000000 65535 f\r\n0000000020 00000 n\r\n` +
    `trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(head + tail, 'latin1');
}

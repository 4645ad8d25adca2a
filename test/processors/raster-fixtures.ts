/**
 * PDFs for the rasterize mode's budgets and its OCR text layer, written at test time:
 * a tiling pattern whose cell pdf.js composes from a million copies (poppler draws it in
 * megabytes; pdf.js with @napi-rs/canvas grew by ~300 MB a second until killed), and pages of
 * big, clear words in a standard font for the recogniser to read back.
 */
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { handWrittenPdf } from './pdf-fixtures.js';

/**
 * One US-Letter page filled with a tiling pattern whose cell (`bbox` points square, a blue
 * square in its lower-left quarter) is far larger than its step: pdf.js folds the cell onto
 * one step by (bbox / step + 1)² canvas copies, 1001² with the defaults.
 */
export function tilingPatternPdf(step = 0.1, bbox = 100): Uint8Array {
  const cell = `0 0 1 rg 0 0 ${bbox / 2} ${bbox / 2} re f`;
  const content = '/Pattern cs /P0 scn 0 0 612 792 re f';
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Count 1 /Kids [3 0 R] >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R ' +
      '/Resources << /Pattern << /P0 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    `<< /Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 ${bbox} ${bbox}] ` +
      `/XStep ${step} /YStep ${step} /Resources << >> /Length ${cell.length} >>\nstream\n${cell}\nendstream`,
  ]);
}

/** Pages with one line of words each, 36 pt Helvetica, black on white: easy to read back. */
export async function wordsPdf(lines: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const line of lines) doc.addPage([612, 300]).drawText(line, { x: 40, y: 140, size: 36, font });
  return doc.save();
}

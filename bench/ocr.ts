/**
 * `npm run bench ocr`: pdf-sanitize's rasterize mode with and without its OCR text layer, in
 * pages per second on one core (the processor's own `rasterize`, no server: a worker runs
 * one file at a time, so this is a worker's rate). The pages are made here — letter pages of
 * 11 pt text, 40 lines each, a dense office page — and, when FILEMILL_CORPUS holds PDFs,
 * also the first pages of real ones. The OCR engine is started before the clock.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { rasterize, type RasterOptions } from '../src/processors/pdf-sanitize/rasterize.js';

const WORDS = (
  'the report shows figures for each quarter and region with notes on costs revenue staff travel ' +
  'equipment contracts suppliers budget forecast variance approved pending review summary total'
).split(' ');

/** `pages` letter pages of 40 lines of 11 pt Helvetica, words drawn from a fixed sequence. */
async function densePdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  let n = 7;
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([612, 792]);
    for (let line = 0; line < 40; line++) {
      const words = Array.from({ length: 11 }, () => WORDS[(n = (n * 31 + 17) % 997) % WORDS.length]);
      page.drawText(words.join(' '), { x: 54, y: 740 - line * 17, size: 11, font });
    }
  }
  return doc.save();
}

const OPTIONS: RasterOptions = {
  dpi: 150,
  format: 'jpeg',
  jpegQuality: 85,
  grayscale: false,
  maxPagePixels: 8_700_000,
  maxPages: 1000,
  maxImagePixels: 100_000_000,
  maxOutputBytes: 2 ** 30,
  pageMemoryMb: 256,
  pageTimeoutSeconds: 30,
  ocr: false,
  ocrLanguages: ['eng'],
};

/** Pages per second for `files`, rasterized one after another, with and without OCR. */
async function rates(files: Uint8Array[], dir: string) {
  const result: Record<string, number> = {};
  for (const ocr of [false, true]) {
    let pages = 0;
    let words = 0;
    const started = performance.now();
    for (const [i, bytes] of files.entries()) {
      const r = await rasterize(bytes, `${i}.pdf`, join(dir, `${i}.pdf`), { ...OPTIONS, ocr }, () => {});
      pages += r.pages;
      words += r.ocrWords;
    }
    const seconds = (performance.now() - started) / 1000;
    result[ocr ? 'ocrPagesPerSecond' : 'pagesPerSecond'] = Math.round((pages / seconds) * 100) / 100;
    if (ocr) result.wordsPerPage = Math.round(words / pages);
    result.pages = pages;
  }
  result.slowdown = Math.round((result.pagesPerSecond! / result.ocrPagesPerSecond!) * 10) / 10;
  return result;
}

/** The first page of each corpus PDF (up to `count`), as one-page files. */
async function corpusPages(count: number): Promise<Uint8Array[]> {
  const folder = join(process.env.FILEMILL_CORPUS ?? 'corpus-data', 'pdfs');
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.pdf')).sort();
  const pages: Uint8Array[] = [];
  for (const name of names) {
    if (pages.length >= count) break;
    try {
      const source = await PDFDocument.load(await readFile(join(folder, name)), { updateMetadata: false });
      const one = await PDFDocument.create();
      const [page] = await one.copyPages(source, [0]);
      one.addPage(page);
      pages.push(await one.save());
    } catch {
      // Not every corpus file is readable by pdf-lib; the others are enough.
    }
  }
  return pages;
}

export async function ocrBench() {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-ocr-'));
  try {
    // Start the OCR engine and load its language data before the clock.
    await rasterize(
      await densePdf(1),
      'warm.pdf',
      join(dir, 'warm.pdf'),
      { ...OPTIONS, ocr: true },
      () => {},
    );
    const dense = await rates([await densePdf(10)], dir);
    const corpus = await corpusPages(20);
    return {
      dpi: OPTIONS.dpi,
      languages: OPTIONS.ocrLanguages,
      denseTextPages: dense,
      corpusFirstPages: corpus.length > 0 ? await rates(corpus, dir) : 'no corpus (FILEMILL_CORPUS)',
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

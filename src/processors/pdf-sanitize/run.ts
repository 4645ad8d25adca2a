/**
 * The pdf-sanitize processor's work, in the sandboxed worker.
 * - structural: parse the PDF (pdf-lib, which unpacks object streams), disarm it
 *   (disarm.ts), optionally remove its form (forms.ts), write a new file (not an incremental
 *   update: no earlier revision survives);
 * - rasterize: re-draw every page from pixels (rasterize.ts); the structural parse still
 *   runs, when it can, to report what the file carried;
 * - a file the structural parser cannot read is re-drawn instead when `onFailure` says so.
 * Either way the output is parsed again and must hold nothing that can act; if it does, the
 * file fails closed and no output is kept.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { EncryptedPDFError, PDFDocument } from '@cantoo/pdf-lib';
import { corruptInput } from '../corrupt-input.js';
import { LOAD, SAVE } from '../pdf-lib-options.js';
import { ProcessorError, type ProcessorRun, type RunContext, type RunInput } from '../processor.js';
import { pdfVersion } from '../pdf-header.js';
import { disarm, dropUnreachable } from './disarm.js';
import { removeForms } from './forms.js';
import { settingsOf, type Settings } from './options.js';
import { countPages } from './page-tree.js';
import { rasterize } from './rasterize.js';
import type { Counts, DisarmOptions } from './policy.js';
import { remainingRisks } from './verify.js';

interface Loaded {
  doc: PDFDocument;
  pages: number;
  /** It was encrypted with an empty user password (owner-only: "restrictions"), now opened. */
  encrypted: boolean;
}

const corrupt = (name: string, cause: unknown) => corruptInput(name, 'a PDF', cause);

/**
 * The parsed document and its page count. An encrypted file is opened with the empty
 * password (what owner-only encryption uses: anyone may read, the "owner" restricts
 * printing or copying), then with `password` if one was given, and written out
 * unencrypted; one that neither opens fails with ENCRYPTED. A file the parser cannot make
 * sense of is CORRUPT_INPUT.
 */
async function load(bytes: Uint8Array, name: string, maxPages: number, password?: string): Promise<Loaded> {
  try {
    const doc = await PDFDocument.load(bytes, LOAD);
    // The parser is lenient: a file without a usable catalog only shows here.
    return { doc, pages: pagesOf(doc, name, maxPages), encrypted: false };
  } catch (error) {
    if (error instanceof ProcessorError) throw error;
    if (!(error instanceof EncryptedPDFError)) throw corrupt(name, error);
  }
  for (const attempt of password ? ['', password] : ['']) {
    try {
      const doc = await PDFDocument.load(bytes, { ...LOAD, password: attempt });
      // Decrypted in memory: written without its encryption dictionary, nothing refers to it.
      doc.context.trailerInfo.Encrypt = undefined;
      return { doc, pages: pagesOf(doc, name, maxPages), encrypted: true };
    } catch (error) {
      if (error instanceof ProcessorError) throw error;
      if (!/needs password|password incorrect/i.test(String((error as Error)?.message)))
        throw corrupt(name, error);
    }
  }
  // Never the password itself in a message: messages are shown and stored.
  const why = password ? 'the password given does not open it' : 'it needs a password to be opened';
  throw new ProcessorError('ENCRYPTED', `"${name}" is encrypted and ${why}.`);
}

/**
 * The page count, walked without trusting the tree (page-tree.ts); pdf-lib's own count is
 * only asked once the tree is known to be small.
 * @throws ProcessorError TOO_MANY_PAGES or CORRUPT_INPUT (a page tree that loops).
 */
function pagesOf(doc: PDFDocument, name: string, maxPages: number): number {
  const count = countPages(doc, maxPages);
  if ('over' in count)
    throw new ProcessorError('TOO_MANY_PAGES', `"${name}" has more than ${maxPages} pages, the limit.`);
  if ('broken' in count)
    throw corrupt(name, new Error('the page tree loops, or is deeper than any real one'));
  // What the parser rebuilt from a file cut short may hold no page at all: nothing to keep.
  if (count.pages === 0) throw corrupt(name, new Error('no page was found'));
  return doc.getPageCount();
}

/** Whether the file ends as a PDF should; if not, the parser rebuilt it from what it could find. */
function looksComplete(bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 1024))).toString('latin1');
  return /startxref\s+\d+\s+%%EOF\s*$/.test(tail);
}

/** A re-drawn file is judged by the strictest rules: it should hold no link at all. */
const STRICTEST: DisarmOptions = { links: 'remove', metadata: 'strip' };

/**
 * The written file, parsed again: it must be readable, hold nothing outside the allow-list
 * (judged with the settings the disarm used) and have `pages` pages. Otherwise the output
 * is deleted and the file fails closed.
 */
async function verifyOutput(
  path: string,
  output: Uint8Array,
  name: string,
  pages: number,
  options: DisarmOptions = STRICTEST,
): Promise<void> {
  let problem: string;
  try {
    const reparsed = await PDFDocument.load(output, LOAD);
    const remaining = remainingRisks(reparsed, options);
    if (remaining.length === 0 && reparsed.getPageCount() === pages) return;
    problem =
      remaining.length > 0
        ? `"${name}" still held active content after sanitising (${remaining.slice(0, 3).join(', ')})`
        : `the sanitised "${name}" has ${reparsed.getPageCount()} pages, not ${pages}`;
  } catch {
    problem = `the sanitised "${name}" could not be read back`;
  }
  await rm(path, { force: true });
  throw new ProcessorError('SANITIZE_VERIFY_FAILED', `${problem}; no output was kept.`);
}

async function structural(
  bytes: Uint8Array,
  loaded: Loaded,
  input: RunInput,
  settings: Settings,
  ctx: RunContext,
) {
  const { doc, pages, encrypted } = loaded;
  ctx.progress(30);
  const found = disarm(doc, settings);
  const forms = settings.forms === 'remove' ? removeForms(doc) : null;
  if (forms) dropUnreachable(doc);
  ctx.progress(60);
  const output = await doc.save({ ...SAVE, useObjectStreams: false, updateFieldAppearances: false });
  if (output.byteLength > ctx.limits.maxOutputBytes) {
    throw new ProcessorError(
      'OUTPUT_TOO_LARGE',
      `The disarmed "${input.name}" would be larger than allowed.`,
    );
  }
  await writeFile(input.outputPath, output);
  ctx.progress(80);
  await verifyOutput(input.outputPath, output, input.name, pages, settings);
  return {
    mode: 'structural',
    pages,
    pdfVersion: pdfVersion(bytes),
    encrypted,
    found,
    removed: forms ? { ...found, formFields: forms.formFields } : found,
    ...(forms ? { formsFlattened: forms.flattened } : {}),
    ...(looksComplete(bytes) ? {} : { repaired: true }),
  };
}

interface Analysis {
  found: Counts;
  encrypted: boolean;
  /** The file as the structural parser rebuilt it (disarmed): what pdf.js draws if it cannot read the original. */
  rewrite(): Promise<Uint8Array>;
}

/** What the structural parser finds in the file, for the report; null when it cannot read it. */
async function analyse(bytes: Uint8Array, name: string, settings: Settings): Promise<Analysis | null> {
  try {
    const { doc, encrypted } = await load(bytes, name, settings.maxPages, settings.password);
    const found = disarm(doc, settings);
    return {
      found,
      encrypted,
      rewrite: () => doc.save({ ...SAVE, useObjectStreams: false, updateFieldAppearances: false }),
    };
  } catch {
    return null;
  }
}

async function rasterized(
  bytes: Uint8Array,
  input: RunInput,
  settings: Settings,
  ctx: RunContext,
  analysis: Analysis | null,
  fallback: boolean,
) {
  const draw = (source: Uint8Array) =>
    rasterize(
      source,
      input.name,
      input.outputPath,
      { ...settings, maxImagePixels: ctx.limits.maxInputPixels, maxOutputBytes: ctx.limits.maxOutputBytes },
      (fraction) => ctx.progress(10 + fraction * 80),
    );
  let rebuilt = false;
  const result = await draw(bytes).catch(async (error: unknown) => {
    // Damage that pdf.js cannot get past but the structural parser could (a truncated file,
    // say): draw the file as that parser rebuilt it.
    const unreadable = error instanceof ProcessorError && error.code === 'CORRUPT_INPUT';
    if (!unreadable || !analysis) throw error;
    rebuilt = true;
    return draw(await analysis.rewrite());
  });
  await verifyOutput(input.outputPath, await readFile(input.outputPath), input.name, result.pages);
  const found = analysis?.found ?? null;
  return {
    mode: 'rasterize',
    pages: result.pages,
    pdfVersion: pdfVersion(bytes),
    encrypted: result.encrypted || (analysis?.encrypted ?? false),
    dpi: settings.dpi,
    format: settings.format,
    grayscale: settings.grayscale,
    scaledPages: result.scaledPages,
    // Pages over their own memory or time budget, drawn at a lower DPI (and maybe simplified).
    reducedPages: result.reducedPages,
    ...(settings.ocr ? { ocr: { languages: settings.ocrLanguages, words: result.ocrWords } } : {}),
    // Unknown when the structural parser could not read the file; all of it is gone either way.
    found,
    removed: found,
    ...(fallback ? { fallback: 'rasterize' } : {}),
    ...(fallback || rebuilt || !looksComplete(bytes) ? { repaired: true } : {}),
  };
}

export const run: ProcessorRun = async (input, rawSettings, ctx) => {
  const settings = settingsOf(rawSettings);
  const bytes = await readFile(input.inputPath);
  let details: Record<string, unknown>;
  if (settings.mode === 'rasterize') {
    details = await rasterized(
      bytes,
      input,
      settings,
      ctx,
      await analyse(bytes, input.name, settings),
      false,
    );
  } else {
    let loaded: Loaded;
    try {
      loaded = await load(bytes, input.name, settings.maxPages, settings.password);
    } catch (error) {
      const unreadable = error instanceof ProcessorError && error.code === 'CORRUPT_INPUT';
      if (!unreadable || settings.onFailure !== 'rasterize') throw error;
      // Re-drawn if pdf.js can read it; if it cannot either, rasterize fails with CORRUPT_INPUT.
      const result = await rasterized(bytes, input, settings, ctx, null, true);
      return { outputType: 'application/pdf', details: result };
    }
    details = await structural(bytes, loaded, input, settings, ctx);
  }
  return { outputType: 'application/pdf', details };
};

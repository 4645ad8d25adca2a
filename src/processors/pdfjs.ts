/**
 * pdf.js (the legacy build: the modern one needs browser globals Node 20 lacks), opened the
 * one safe way for files from strangers: no `eval` (CVE-2024-4367), no fonts installed into
 * the process, no XFA, nothing fetched from outside — its font, CMap and WASM data come from
 * the package folder. pdf.js parses synchronously here (its "fake worker" runs on this
 * thread), so it cannot be interrupted: the pool's time limit, which kills the process, is
 * what bounds it. Worker side only.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ProcessorError } from './processor.js';

export type { PDFDocumentProxy };

const packageDir = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** pdf.js wants folder paths ending in a separator. */
const dataFolder = (name: string): string => `${join(packageDir, name)}/`;

/** Largest image pdf.js decodes, in pixels; a bigger one is skipped, not drawn. */
const MAX_IMAGE_PIXELS = 100_000_000;

/**
 * Opens `bytes` (not detached: pdf.js gets a copy) with the empty password, which is what a
 * file encrypted with an owner password only needs.
 * @throws ProcessorError ENCRYPTED when it needs a password, CORRUPT_INPUT when it is not a readable PDF.
 */
export async function openPdf(bytes: Uint8Array, name: string): Promise<PDFDocumentProxy> {
  const task = getDocument({
    data: new Uint8Array(bytes),
    password: '',
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    maxImageSize: MAX_IMAGE_PIXELS,
    standardFontDataUrl: dataFolder('standard_fonts'),
    cMapUrl: dataFolder('cmaps'),
    cMapPacked: true,
    wasmUrl: dataFolder('wasm'),
    verbosity: 0,
  });
  try {
    return await task.promise;
  } catch (error) {
    await task.destroy().catch(() => {});
    if ((error as Error | undefined)?.name === 'PasswordException') {
      throw new ProcessorError('ENCRYPTED', `"${name}" needs a password to be opened.`);
    }
    throw new ProcessorError('CORRUPT_INPUT', `"${name}" cannot be read as a PDF.`, { cause: error });
  }
}

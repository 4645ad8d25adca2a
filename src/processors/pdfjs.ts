/**
 * pdf.js (the legacy build: the modern one needs DOMMatrix & co, which Node 20 lacks), opened
 * the one safe way for files from strangers: no eval of font programs (CVE-2024-4367), no
 * font faces, no system fonts, no XFA; its fonts, CMaps and image decoders come from its own
 * package folder, never from the network. pdf.js parses synchronously in this thread (its
 * "fake worker"), so nothing here can stop a hostile file: the worker pool's time and memory
 * limits kill the process. Worker side only.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import { corruptInput } from './corrupt-input.js';
import { ProcessorError } from './processor.js';

export type { PDFDocumentProxy };

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjs: Promise<PdfJs> | undefined;

/** pdf.js, imported on first use (it polyfills DOMMatrix & co from the canvas at import). */
export function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/** pdf.js's data folders, as paths ending in `/` (how its Node build wants them). */
function dataFolders(): { standardFontDataUrl: string; cMapUrl: string; wasmUrl: string } {
  const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  const folder = (name: string) => `${join(root, name)}/`;
  return { standardFontDataUrl: folder('standard_fonts'), cMapUrl: folder('cmaps'), wasmUrl: folder('wasm') };
}

export interface OpenOptions {
  /** Images inside the PDF larger than this many pixels are not decoded (drawn blank). */
  maxImagePixels: number;
  /** The password for an encrypted file; none: pdf.js tries the empty one. */
  password?: string;
}

/**
 * Opens `bytes` with pdf.js. The bytes are copied: pdf.js detaches the buffer it is given.
 * @throws pdf.js's own errors: `PasswordException` (name) when a password is needed,
 *   `InvalidPDFException` and others when the file cannot be read.
 */
export async function openPdf(bytes: Uint8Array, options: OpenOptions): Promise<PDFDocumentProxy> {
  const { getDocument, VerbosityLevel } = await loadPdfJs();
  const task = getDocument({
    data: new Uint8Array(bytes),
    password: options.password,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    enableXfa: false,
    isOffscreenCanvasSupported: false,
    maxImageSize: options.maxImagePixels,
    cMapPacked: true,
    verbosity: VerbosityLevel.ERRORS,
    ...dataFolders(),
  });
  return task.promise;
}

/**
 * Opens `bytes` as {@link openPdf} does, failing the way a processor reports it: ENCRYPTED
 * when it needs a password it was not given, CORRUPT_INPUT when it is not a readable PDF.
 */
export async function openPdfOrFail(
  bytes: Uint8Array,
  name: string,
  options: OpenOptions,
): Promise<PDFDocumentProxy> {
  try {
    return await openPdf(bytes, options);
  } catch (error) {
    if ((error as Error | undefined)?.name === 'PasswordException') {
      throw new ProcessorError('ENCRYPTED', `"${name}" needs a password to be opened.`);
    }
    throw corruptInput(name, 'a PDF', error);
  }
}

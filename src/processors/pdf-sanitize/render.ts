/**
 * Pages to pixels with pdf.js (legacy build: the modern one needs DOMMatrix, which Node 20
 * lacks) and @napi-rs/canvas (the one copy pdf.js also loads; CI checks there is only one).
 * Hardened as pdf.js allows: no eval of font programs (CVE-2024-4367), no font faces, no
 * system fonts, no XFA; its fonts, CMaps and image decoders come from its own package folder,
 * never from the network. pdf.js parses synchronously in this thread, so nothing here can
 * stop a hostile page: the worker pool's time and memory limits kill the process.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';

type RenderParameters = Parameters<PDFPageProxy['render']>[0];

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

export interface RenderedPage {
  canvas: Canvas;
  /** The page's size in PDF points (1/72 inch), as shown (its rotation applied). */
  widthPt: number;
  heightPt: number;
  /** The DPI actually used: lower than asked when the page would exceed `maxPixels`. */
  dpi: number;
  scaled: boolean;
}

/**
 * Draws page `number` (1-based) on a white canvas at `dpi`, or at the DPI that keeps it
 * within `maxPixels` (width × height) when it would be larger.
 */
export async function renderPage(
  doc: PDFDocumentProxy,
  number: number,
  opts: { dpi: number; maxPixels: number },
): Promise<RenderedPage> {
  const page = await doc.getPage(number);
  try {
    const points = page.getViewport({ scale: 1 });
    const widthPt = points.width;
    const heightPt = points.height;
    let dpi = opts.dpi;
    const pixelsAt = (d: number) => Math.ceil((widthPt * d) / 72) * Math.ceil((heightPt * d) / 72);
    const scaled = pixelsAt(dpi) > opts.maxPixels;
    if (scaled) dpi = opts.dpi * Math.sqrt(opts.maxPixels / pixelsAt(opts.dpi)) * 0.999;
    const viewport = page.getViewport({ scale: dpi / 72 });
    const width = Math.max(1, Math.ceil(viewport.width));
    const height = Math.max(1, Math.ceil(viewport.height));
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    await page.render({
      canvas: canvas as unknown as RenderParameters['canvas'],
      canvasContext: context as unknown as RenderParameters['canvasContext'],
      viewport,
      background: '#ffffff',
    }).promise;
    return { canvas, widthPt, heightPt, dpi, scaled };
  } finally {
    page.cleanup();
  }
}

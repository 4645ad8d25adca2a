/**
 * The rasterize mode (the Dangerzone approach): every page drawn to pixels by pdf.js, each
 * image encoded (JPEG, or deflated samples for `lossless`) and written as a page of the
 * original page's size in points, so the print size is kept. One page in memory at a time,
 * each within its own memory and time budget (render.ts): a page over it is drawn at a lower
 * DPI, or simplified, and reported, rather than taking the worker down.
 * Nothing of the original survives: no text layer, fonts, annotations, metadata or objects.
 * With `ocr`, each page image is read by the OCR engine (../ocr.ts) and the words it finds
 * are laid over it invisibly, so the safe copy can be searched and copied from.
 */
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import type { Canvas } from '@napi-rs/canvas';
import type { PDFDocumentProxy } from 'pdfjs-dist/types/src/display/api.js';
import { corruptInput, isMalformedInput } from '../corrupt-input.js';
import { ProcessorError } from '../processor.js';
import { OutputLimitError, RasterPdfWriter, type PageImage } from './raster-writer.js';
import { openPdf } from '../pdfjs.js';
import { recognisePage } from '../ocr.js';
import { PageBudgetError } from './draw-budget.js';
import { renderPage, type Reduction } from './render.js';

const deflateAsync = promisify(deflate);

export interface RasterOptions {
  dpi: number;
  format: 'jpeg' | 'lossless';
  jpegQuality: number;
  grayscale: boolean;
  maxPagePixels: number;
  maxPages: number;
  /** Largest image inside the PDF that pdf.js may decode, in pixels. */
  maxImagePixels: number;
  maxOutputBytes: number;
  /** What one page's drawing may take beyond its own canvas, in MiB. */
  pageMemoryMb: number;
  /** Wall time one page may take to draw, in seconds, its retries included. */
  pageTimeoutSeconds: number;
  /** Recognise each page's text and lay it over the image, invisible. */
  ocr: boolean;
  /** Languages for OCR (installed `@tesseract.js-data/<code>` packages). */
  ocrLanguages: string[];
  /** Tried after no password on an encrypted file. */
  password?: string;
}

/** A page over its budget, and how it was drawn instead. */
export interface ReducedPage extends Reduction {
  /** 1-based. */
  page: number;
  dpi: number;
}

export interface RasterResult {
  pages: number;
  /** Pages drawn at a lower DPI to stay within `maxPagePixels`. */
  scaledPages: number;
  /** Pages drawn at a lower DPI, or simplified, to stay within their memory or time budget. */
  reducedPages: ReducedPage[];
  /** With `ocr`: words laid over the pages as an invisible text layer. */
  ocrWords: number;
  /** pdf.js opened it with the empty password. */
  encrypted: boolean;
}

/**
 * Opens the file with pdf.js, with no password, then with `password` if one was given,
 * mapping its failures to our codes.
 * @throws ProcessorError ENCRYPTED (needs a password) or CORRUPT_INPUT.
 */
async function openForRendering(bytes: Uint8Array, name: string, maxImagePixels: number, password?: string) {
  for (const attempt of password ? [undefined, password] : [undefined]) {
    try {
      return await openPdf(bytes, { maxImagePixels, password: attempt });
    } catch (error) {
      if ((error as Error)?.name === 'PasswordException') continue;
      throw corruptInput(name, 'a PDF', error);
    }
  }
  const why = password ? 'the password given does not open it' : 'it needs a password to be opened';
  throw new ProcessorError('ENCRYPTED', `"${name}" is encrypted and ${why}.`);
}

/** Grey from red, green and blue (Rec. 601 luma), in place in RGBA samples. */
function toGray(rgba: Uint8ClampedArray): void {
  for (let i = 0; i < rgba.length; i += 4) {
    const y = (rgba[i]! * 299 + rgba[i + 1]! * 587 + rgba[i + 2]! * 114 + 500) / 1000;
    rgba[i] = rgba[i + 1] = rgba[i + 2] = y;
  }
}

/** The canvas as a page image in the chosen format. */
async function encode(canvas: Canvas, options: RasterOptions): Promise<PageImage> {
  const { width, height } = canvas;
  const context = canvas.getContext('2d');
  if (options.format === 'jpeg') {
    if (options.grayscale) {
      const pixels = context.getImageData(0, 0, width, height);
      toGray(pixels.data);
      context.putImageData(pixels, 0, 0);
    }
    const data = await canvas.encode('jpeg', options.jpegQuality);
    return { data, filter: 'DCTDecode', colorSpace: 'DeviceRGB', width, height };
  }
  // Lossless: the samples themselves, deflated (the canvas is opaque: alpha is dropped).
  const rgba = context.getImageData(0, 0, width, height).data;
  const channels = options.grayscale ? 1 : 3;
  const samples = Buffer.allocUnsafe(width * height * channels);
  for (let p = 0, o = 0; p < rgba.length; p += 4) {
    if (channels === 1) {
      samples[o++] = (rgba[p]! * 299 + rgba[p + 1]! * 587 + rgba[p + 2]! * 114 + 500) / 1000;
    } else {
      samples[o++] = rgba[p]!;
      samples[o++] = rgba[p + 1]!;
      samples[o++] = rgba[p + 2]!;
    }
  }
  const data = await deflateAsync(samples);
  const colorSpace = channels === 1 ? 'DeviceGray' : 'DeviceRGB';
  return { data, filter: 'FlateDecode', colorSpace, width, height };
}

type Drawn = Pick<RasterResult, 'scaledPages' | 'reducedPages' | 'ocrWords'>;

async function drawPages(
  doc: PDFDocumentProxy,
  outputPath: string,
  options: RasterOptions,
  progress: (pct: number) => void,
): Promise<Drawn> {
  const writer = await RasterPdfWriter.create(outputPath, options.maxOutputBytes);
  const drawn: Drawn = { scaledPages: 0, reducedPages: [], ocrWords: 0 };
  const budget = {
    dpi: options.dpi,
    maxPixels: options.maxPagePixels,
    memoryBytes: options.pageMemoryMb * 2 ** 20,
    timeoutMs: options.pageTimeoutSeconds * 1000,
  };
  try {
    for (let number = 1; number <= doc.numPages; number++) {
      const page = await renderPage(doc, number, budget).catch((error: unknown) => {
        if (!(error instanceof PageBudgetError)) throw error;
        throw new ProcessorError(
          'TIMEOUT',
          `Page ${number} took longer than its ${options.pageTimeoutSeconds} s to draw, even at a lower resolution.`,
        );
      });
      if (page.scaled) drawn.scaledPages++;
      if (page.reduced) drawn.reducedPages.push({ page: number, dpi: Math.round(page.dpi), ...page.reduced });
      const text = options.ocr
        ? await recognisePage(page.canvas, page.dpi, number, options.ocrLanguages)
        : [];
      for (const line of text) drawn.ocrWords += line.words.length;
      await writer.addPage(page.widthPt, page.heightPt, await encode(page.canvas, options), text);
      progress(number / doc.numPages);
    }
    await writer.finish();
    return drawn;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * Re-draws the PDF in `bytes` into a new file at `outputPath`; `progress` gets 0–1 per page.
 * On failure nothing is left at `outputPath`.
 * @throws ProcessorError ENCRYPTED, CORRUPT_INPUT, TOO_MANY_PAGES, OUTPUT_TOO_LARGE, or TIMEOUT
 *   (a page out of time even at a lower DPI).
 */
export async function rasterize(
  bytes: Uint8Array,
  name: string,
  outputPath: string,
  options: RasterOptions,
  progress: (fraction: number) => void,
): Promise<RasterResult> {
  const doc = await openForRendering(bytes, name, options.maxImagePixels, options.password);
  try {
    const pages = doc.numPages;
    if (pages > options.maxPages) {
      throw new ProcessorError(
        'TOO_MANY_PAGES',
        `"${name}" has ${pages} pages; the limit is ${options.maxPages}.`,
      );
    }
    const { info } = await doc.getMetadata().catch(() => ({ info: {} }));
    const encrypted = typeof (info as Record<string, unknown>).EncryptFilterName === 'string';
    const drawn = await drawPages(doc, outputPath, options, progress).catch(async (error: unknown) => {
      await rm(outputPath, { force: true });
      if (error instanceof OutputLimitError)
        throw new ProcessorError('OUTPUT_TOO_LARGE', `The re-drawn "${name}" would be larger than allowed.`);
      if (error instanceof ProcessorError) throw error;
      if (isMalformedInput(error)) throw corruptInput(name, 'a PDF', error);
      throw new ProcessorError('CORRUPT_INPUT', `A page of "${name}" could not be drawn.`, { cause: error });
    });
    return { pages, ...drawn, encrypted };
  } finally {
    await doc.destroy();
  }
}

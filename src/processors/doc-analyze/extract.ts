/**
 * The text of a document and what its format says about it, for each format doc-analyze
 * takes: PDF (pdf.js, page by page), DOCX (mammoth), HTML (html-to-text) and plain text or
 * Markdown (as it is). Everything here reads untrusted bytes: it runs in the sandboxed
 * worker only, and a file it cannot read is CORRUPT_INPUT (corrupt-input.ts), whether the
 * parser gives up when it opens the file or on a page further in.
 */
import { readFile } from 'node:fs/promises';
import { convert as htmlToText } from 'html-to-text';
import mammoth from 'mammoth';
import { corruptInput, isMalformedInput } from '../corrupt-input.js';
import { pdfVersion } from '../pdf-header.js';
import { openPdfOrFail, type PDFDocumentProxy } from '../pdfjs.js';
import { ProcessorError } from '../processor.js';
import { DOCX } from './formats.js';
import { recognisePage } from '../ocr.js';
import {
  DEFAULT_MAX_PAGE_PIXELS,
  DEFAULT_PAGE_MEMORY_MB,
  DEFAULT_PAGE_TIMEOUT_SECONDS,
} from '../pdf-sanitize/descriptor.js';
// The rasterizer's page drawing, with its memory and time budgets: one way to draw a page.
import { renderPage } from '../pdf-sanitize/render.js';
import { pdfFonts, type FontInfo } from './pdf-fonts.js';

export interface DocumentMetadata {
  title: string | null;
  author: string | null;
  producer: string | null;
  /** ISO 8601, or null when absent or unreadable. */
  created: string | null;
}

export interface PdfFacts {
  version: string | null;
  /** It was encrypted (with an owner password only: it opened without one). */
  encrypted: boolean;
  fonts: FontInfo[];
  /** 1-based numbers of the pages with no text layer: scanned, or drawn as pictures. */
  pagesWithoutText: number[];
  /** With OCR: the pages (of those) whose text was recognised from their image. */
  ocrPages?: number[];
}

export interface Extracted {
  format: 'pdf' | 'docx' | 'html' | 'text';
  text: string;
  /** Pages (PDF), else null. */
  pages: number | null;
  metadata: DocumentMetadata;
  pdf: PdfFacts | null;
}

export interface ExtractLimits {
  maxPages: number;
  /** Images inside a PDF larger than this are not decoded (text extraction never needs them). */
  maxImagePixels: number;
  progress(pct: number): void;
  /** Languages to read pages without a text layer in (OCR); null or absent: those pages stay empty. */
  ocrLanguages?: string[] | null;
}

/** Tesseract reads best at 200–300 DPI; 200 keeps a page's image (A4: 3.7 M pixels) small. */
const OCR_DPI = 200;

const NO_METADATA: DocumentMetadata = { title: null, author: null, producer: null, created: null };

export async function extract(
  path: string,
  contentType: string | null,
  name: string,
  limits: ExtractLimits,
): Promise<Extracted> {
  const bytes = await readFile(path);
  if (contentType === 'application/pdf') return extractPdf(bytes, name, limits);
  if (contentType === DOCX) return extractDocx(bytes, name);
  const text = decodeText(bytes, name);
  if (contentType === 'text/html') {
    return { format: 'html', text: htmlText(text), pages: null, metadata: htmlMetadata(text), pdf: null };
  }
  return { format: 'text', text, pages: null, metadata: NO_METADATA, pdf: null };
}

async function extractPdf(bytes: Buffer, name: string, limits: ExtractLimits): Promise<Extracted> {
  const doc = await openPdfOrFail(bytes, name, { maxImagePixels: limits.maxImagePixels });
  try {
    return await readPdf(doc, bytes, name, limits);
  } catch (error) {
    // pdf.js opens a damaged file by rebuilding its cross-references, then fails on the
    // page the damage is in: the file's fault, as when it cannot open it at all.
    if (isMalformedInput(error)) throw corruptInput(name, 'a PDF', error);
    throw error;
  } finally {
    await doc.destroy();
  }
}

/** The text, metadata and facts of an opened PDF; pdf.js's errors pass through. */
async function readPdf(
  doc: PDFDocumentProxy,
  bytes: Buffer,
  name: string,
  limits: ExtractLimits,
): Promise<Extracted> {
  if (doc.numPages > limits.maxPages) {
    throw new ProcessorError(
      'TOO_MANY_PAGES',
      `"${name}" has ${doc.numPages} pages; the limit is ${limits.maxPages}.`,
    );
  }
  const info = (await doc.getMetadata()).info as Record<string, unknown>;
  const pageTexts: string[] = [];
  const pagesWithoutText: number[] = [];
  const ocrPages: number[] = [];
  for (let number = 1; number <= doc.numPages; number++) {
    const page = await doc.getPage(number);
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.str + (item.hasEOL ? '\n' : '');
    }
    page.cleanup();
    if (text.trim() === '') {
      pagesWithoutText.push(number);
      if (limits.ocrLanguages) {
        text = await ocrPageText(doc, number, limits.ocrLanguages);
        ocrPages.push(number);
      }
    }
    pageTexts.push(text);
    limits.progress((number / doc.numPages) * 70);
  }
  return {
    format: 'pdf',
    text: pageTexts.join('\n\n'),
    pages: doc.numPages,
    metadata: {
      title: infoText(info.Title),
      author: infoText(info.Author),
      producer: infoText(info.Producer),
      created: pdfDate(info.CreationDate),
    },
    pdf: {
      version: pdfVersion(bytes) ?? infoText(info.PDFFormatVersion),
      encrypted: info.EncryptFilterName !== null && info.EncryptFilterName !== undefined,
      fonts: await pdfFonts(bytes),
      pagesWithoutText,
      ...(limits.ocrLanguages && { ocrPages }),
    },
  };
}

/** What OCR reads on page `number`, drawn at 200 DPI within the renderer's page budgets; one line per line. */
async function ocrPageText(doc: PDFDocumentProxy, number: number, languages: string[]): Promise<string> {
  const { canvas, dpi } = await renderPage(doc, number, {
    dpi: OCR_DPI,
    maxPixels: DEFAULT_MAX_PAGE_PIXELS,
    memoryBytes: DEFAULT_PAGE_MEMORY_MB * 1024 * 1024,
    timeoutMs: DEFAULT_PAGE_TIMEOUT_SECONDS * 1000,
  });
  const lines = await recognisePage(canvas, dpi, number, languages);
  return lines.map((line) => line.words.map((word) => word.text).join(' ')).join('\n');
}

async function extractDocx(bytes: Buffer, name: string): Promise<Extracted> {
  try {
    const { value } = await mammoth.extractRawText({ buffer: bytes });
    return { format: 'docx', text: value, pages: null, metadata: NO_METADATA, pdf: null };
  } catch (error) {
    // mammoth throws on anything it cannot use, not only on a damaged ZIP: all of it is the file's.
    throw corruptInput(name, 'a Word document', error);
  }
}

/** UTF-8 (a BOM dropped); bytes that are not UTF-8 are refused rather than guessed at. */
function decodeText(bytes: Buffer, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ProcessorError('CORRUPT_INPUT', `"${name}" is not UTF-8 text.`);
  }
}

function htmlText(html: string): string {
  return htmlToText(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
  });
}

function htmlMetadata(html: string): DocumentMetadata {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  const author = /<meta\s+name=["']author["']\s+content=["']([^"']*)["']/i.exec(html)?.[1];
  return {
    ...NO_METADATA,
    title: title ? htmlText(title).trim() || null : null,
    author: author?.trim() || null,
  };
}

function infoText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A PDF date (`D:20200628002704+02'00'`) as ISO 8601, or null. */
export function pdfDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?/.exec(value);
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  const zone = !sign || sign.toUpperCase() === 'Z' ? 'Z' : `${sign}${oh}:${om}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

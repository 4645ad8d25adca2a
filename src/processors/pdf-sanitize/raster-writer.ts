/**
 * Writes a PDF made only of page images, one page at a time, straight to a file: each page
 * is an image XObject, a one-line content stream that draws it over the whole page, and the
 * page object, written as soon as the page is drawn, so memory stays flat in the page count
 * (pdf-lib would hold every image until it saves). The catalog and page tree come last.
 * Nothing else goes in: no metadata, no annotations, nothing from the original. With OCR, a
 * page also gets an invisible text layer (text render mode 3) in the standard Helvetica,
 * which no reader needs embedded: the recognised words, each stretched over its box.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { PixelBox } from '../ocr.js';

export interface PageImage {
  /** JPEG bytes (`DCTDecode`) or zlib-deflated samples (`FlateDecode`), 8 bits per component. */
  data: Uint8Array;
  filter: 'DCTDecode' | 'FlateDecode';
  colorSpace: 'DeviceRGB' | 'DeviceGray';
  /** In pixels. */
  width: number;
  height: number;
}

/** Recognised lines of a page image, boxes in its pixels from the top left. */
export interface TextLine {
  box: PixelBox;
  words: { text: string; box: PixelBox }[];
}

/** Thrown when the file would grow past its byte limit; nothing more is written. */
export class OutputLimitError extends Error {
  constructor(readonly limit: number) {
    super(`The output would be larger than ${limit} bytes.`);
    this.name = 'OutputLimitError';
  }
}

const CATALOG = 1;
const PAGES = 2;

/** Points with at most 3 decimals, no exponent: what a PDF number may be. */
const num = (n: number) => String(Math.round(n * 1000) / 1000);

/** Helvetica's mean advance width, in em: enough to stretch a word over its box with `Tz`. */
const MEAN_WIDTH_EM = 0.52;
/** How far below a line's baseline its box reaches (Helvetica's descender), in em. */
const DESCENT_EM = 0.21;

/** Characters WinAnsiEncoding has outside Latin-1, by their code there. */
const WIN_ANSI_EXTRA: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

/** `text` as a PDF literal string in WinAnsiEncoding; what it cannot hold becomes `?`. */
function winAnsiString(text: string): string {
  let out = '(';
  for (const char of text) {
    const point = char.codePointAt(0)!;
    const code =
      (point >= 0x20 && point <= 0x7e) || (point >= 0xa0 && point <= 0xff)
        ? point
        : (WIN_ANSI_EXTRA[char] ?? 0x3f);
    if (code === 0x28 || code === 0x29 || code === 0x5c) out += `\\${String.fromCharCode(code)}`;
    else if (code < 0x80) out += String.fromCharCode(code);
    else out += `\\${code.toString(8)}`;
  }
  return `${out})`;
}

/**
 * Content drawing `lines` invisibly (render mode 3) on a page of `heightPt` points whose
 * image is `scaleX`, `scaleY` points per pixel: each line at its own size and baseline, each
 * word placed at its box and stretched to its width.
 */
function textLayer(lines: readonly TextLine[], heightPt: number, scaleX: number, scaleY: number): string {
  const ops = ['BT', '3 Tr'];
  for (const line of lines) {
    const size = Math.max(1, (line.box.y1 - line.box.y0) * scaleY * (1 - DESCENT_EM));
    const baseline = heightPt - line.box.y1 * scaleY + size * DESCENT_EM;
    ops.push(`/F0 ${num(size)} Tf`);
    for (const word of line.words) {
      const chars = [...word.text].length;
      const widthPt = (word.box.x1 - word.box.x0) * scaleX;
      const stretch = Math.min(1000, Math.max(10, (100 * widthPt) / (MEAN_WIDTH_EM * size * chars)));
      ops.push(
        `${num(stretch)} Tz 1 0 0 1 ${num(word.box.x0 * scaleX)} ${num(baseline)} Tm ${winAnsiString(word.text)} Tj`,
      );
    }
  }
  ops.push('ET');
  return ops.join('\n');
}

export class RasterPdfWriter {
  private offsets: number[] = [];
  private written = 0;
  private pages: number[] = [];
  private nextObject = 3;
  /** The text layer's font, written with the first page that has one. */
  private fontRef: number | null = null;

  private constructor(
    private readonly file: FileHandle,
    private readonly maxBytes: number,
  ) {}

  /** Creates (or truncates) `path` and writes the header. */
  static async create(path: string, maxBytes: number): Promise<RasterPdfWriter> {
    const writer = new RasterPdfWriter(await open(path, 'w'), maxBytes);
    // The binary comment tells transfer tools the file is not text.
    await writer.write(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
    return writer;
  }

  get pageCount(): number {
    return this.pages.length;
  }

  /**
   * Adds a page of `widthPt` × `heightPt` points showing `image` over all of it, with `text`
   * (boxes in the image's pixels) as an invisible layer over it.
   */
  async addPage(
    widthPt: number,
    heightPt: number,
    image: PageImage,
    text: readonly TextLine[] = [],
  ): Promise<void> {
    if (text.length > 0 && this.fontRef === null) {
      this.fontRef = this.nextObject++;
      await this.object(
        this.fontRef,
        '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
      );
    }
    const imageRef = this.nextObject++;
    const contentRef = this.nextObject++;
    const pageRef = this.nextObject++;
    await this.stream(
      imageRef,
      `/Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} ` +
        `/ColorSpace /${image.colorSpace} /BitsPerComponent 8 /Filter /${image.filter}`,
      image.data,
    );
    let draw = `q ${num(widthPt)} 0 0 ${num(heightPt)} 0 0 cm /P0 Do Q`;
    let fonts = '';
    if (text.length > 0) {
      draw += `\n${textLayer(text, heightPt, widthPt / image.width, heightPt / image.height)}`;
      fonts = ` /Font << /F0 ${this.fontRef} 0 R >>`;
    }
    await this.stream(contentRef, '', Buffer.from(draw, 'latin1'));
    await this.object(
      pageRef,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${num(widthPt)} ${num(heightPt)}] ` +
        `/Resources << /XObject << /P0 ${imageRef} 0 R >>${fonts} >> /Contents ${contentRef} 0 R >>`,
    );
    this.pages.push(pageRef);
  }

  /** Writes the page tree, the catalog, the cross-reference table and the trailer; closes the file. */
  async finish(): Promise<void> {
    const kids = this.pages.map((ref) => `${ref} 0 R`).join(' ');
    await this.object(PAGES, `<< /Type /Pages /Count ${this.pages.length} /Kids [${kids}] >>`);
    await this.object(CATALOG, `<< /Type /Catalog /Pages ${PAGES} 0 R >>`);
    const size = this.nextObject;
    const start = this.written;
    const rows = ['xref', `0 ${size}`, '0000000000 65535 f\r'];
    for (let i = 1; i < size; i++) rows.push(`${String(this.offsets[i]).padStart(10, '0')} 00000 n\r`);
    rows.push('trailer', `<< /Size ${size} /Root ${CATALOG} 0 R >>`, 'startxref', String(start), '%%EOF\n');
    await this.write(Buffer.from(rows.join('\n'), 'latin1'));
    await this.file.close();
  }

  /** Closes the file without finishing it (the caller deletes it). */
  async abort(): Promise<void> {
    await this.file.close().catch(() => {});
  }

  private async object(ref: number, body: string): Promise<void> {
    this.offsets[ref] = this.written;
    await this.write(Buffer.from(`${ref} 0 obj\n${body}\nendobj\n`, 'latin1'));
  }

  private async stream(ref: number, dict: string, data: Uint8Array): Promise<void> {
    this.offsets[ref] = this.written;
    await this.write(
      Buffer.from(`${ref} 0 obj\n<< ${dict} /Length ${data.byteLength} >>\nstream\n`, 'latin1'),
    );
    await this.write(data);
    await this.write(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.written + bytes.byteLength > this.maxBytes) throw new OutputLimitError(this.maxBytes);
    await this.file.write(bytes);
    this.written += bytes.byteLength;
  }
}

/**
 * Writes a PDF made only of page images, one page at a time, straight to a file: each page
 * is an image XObject, a one-line content stream that draws it over the whole page, and the
 * page object, written as soon as the page is drawn, so memory stays flat in the page count
 * (pdf-lib would hold every image until it saves). The catalog and page tree come last.
 * Nothing else goes in: no metadata, no fonts, no annotations, nothing from the original.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

export interface PageImage {
  /** JPEG bytes (`DCTDecode`) or zlib-deflated samples (`FlateDecode`), 8 bits per component. */
  data: Uint8Array;
  filter: 'DCTDecode' | 'FlateDecode';
  colorSpace: 'DeviceRGB' | 'DeviceGray';
  /** In pixels. */
  width: number;
  height: number;
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

export class RasterPdfWriter {
  private offsets: number[] = [];
  private written = 0;
  private pages: number[] = [];
  private nextObject = 3;

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

  /** Adds a page of `widthPt` × `heightPt` points showing `image` over all of it. */
  async addPage(widthPt: number, heightPt: number, image: PageImage): Promise<void> {
    const imageRef = this.nextObject++;
    const contentRef = this.nextObject++;
    const pageRef = this.nextObject++;
    await this.stream(
      imageRef,
      `/Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} ` +
        `/ColorSpace /${image.colorSpace} /BitsPerComponent 8 /Filter /${image.filter}`,
      image.data,
    );
    const draw = Buffer.from(`q ${num(widthPt)} 0 0 ${num(heightPt)} 0 0 cm /P0 Do Q`, 'latin1');
    await this.stream(contentRef, '', draw);
    await this.object(
      pageRef,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${num(widthPt)} ${num(heightPt)}] ` +
        `/Resources << /XObject << /P0 ${imageRef} 0 R >> >> /Contents ${contentRef} 0 R >>`,
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

/**
 * The fonts a PDF carries and whether each is embedded (a document whose fonts are not
 * embedded looks different on every machine, and fails PDF/A). Read with pdf-lib from the
 * object graph: every font dictionary of the file, whichever page or form uses it.
 */
import { PDFDict, PDFDocument, PDFName } from '@cantoo/pdf-lib';
import { LOAD } from '../pdf-lib-options.js';

export interface FontInfo {
  /** The base font name, without a subset prefix (`ABCDEF+`). */
  name: string;
  /** The font type, e.g. `Type1`, `TrueType`, `CIDFontType2`. */
  type: string;
  embedded: boolean;
}

const FONT_FILES = ['FontFile', 'FontFile2', 'FontFile3'].map((key) => PDFName.of(key));

function nameOf(dict: PDFDict, key: string): string | null {
  const value = dict.lookup(PDFName.of(key));
  return value instanceof PDFName ? value.decodeText() : null;
}

/** The fonts, sorted by name, one entry per name and type; empty when pdf-lib cannot read the file. */
export async function pdfFonts(bytes: Uint8Array): Promise<FontInfo[]> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { ...LOAD, ignoreEncryption: true });
  } catch {
    return [];
  }
  const fonts = new Map<string, FontInfo>();
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || nameOf(object, 'Type') !== 'Font') continue;
    const type = nameOf(object, 'Subtype') ?? 'unknown';
    // A Type0 font is a wrapper: its descendant (a font dictionary of its own) is counted.
    if (type === 'Type0') continue;
    const name = (nameOf(object, 'BaseFont') ?? (type === 'Type3' ? 'Type3 font' : 'unnamed')).replace(
      /^[A-Z]{6}\+/,
      '',
    );
    const descriptor = object.lookup(PDFName.of('FontDescriptor'));
    const embedded =
      type === 'Type3' || (descriptor instanceof PDFDict && FONT_FILES.some((key) => descriptor.has(key)));
    const key = `${name}\u0000${type}`;
    const known = fonts.get(key);
    fonts.set(key, { name, type, embedded: embedded || (known?.embedded ?? false) });
  }
  return [...fonts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

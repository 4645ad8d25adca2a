/**
 * Content-type sniffing at upload time: what a file is, judged by its bytes, never by its
 * name. Its first bytes decide, unless the format keeps what names it further in (a TIFF's
 * image directory, often at the end; a ZIP's entries): then the stored file is read where
 * file-type looks, through a random-access tokenizer — never held in memory. file-type is
 * pure JavaScript over the bytes, so the server may run it itself.
 */
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';

/** How many leading bytes the caller should pass: what file-type needs to recognise every type. */
export const SNIFF_BYTES = 4100;

/**
 * The MIME type recognised in `head` (the file's first `SNIFF_BYTES` bytes), or null when
 * unknown. Binary formats by their signatures (file-type); what has none is text when its
 * head is UTF-8 without control characters: `image/svg+xml` when it opens like an SVG
 * drawing, `text/html` like an HTML document, else `text/plain` (Markdown included: nothing
 * in its bytes tells it apart). An SVG is named as what it is, so that a processor that does
 * not take it says so in those words, not as "text/plain".
 *
 * @param file the whole file's path, read (random access, where file-type's detectors look)
 *   only when the head is not enough: binary bytes whose head names no type, e.g. a TIFF
 *   written by libvips or libtiff, whose image directory comes after the pixels, or a ZIP
 *   that may be more. Without it, the head alone decides.
 */
export async function sniffContentType(head: Uint8Array, file?: string): Promise<string | null> {
  if (head.length === 0) return null;
  let type: string | undefined;
  try {
    type = (await fileTypeFromBuffer(head))?.mime;
  } catch {
    // A damaged header, or one whose offsets point past the head, can make a format's
    // detector throw: unknown, unless the whole file says more. Not text either way.
    return sniffWholeFile(head, file);
  }
  // file-type knows XML by its declaration only; an SVG is XML with an `<svg>` root.
  if (type === 'application/xml') return textType(head) === SVG ? SVG : type;
  // A ZIP's entries past the head may name it: an Office document, an EPUB.
  if (type === 'application/zip') return (await sniffWholeFile(head, file)) ?? type;
  if (type) return type;
  // Readers take a PDF whose header comes after up to 1 KiB of other bytes (a mailer's or a
  // scanner's): so does filemill, when the header starts a line there.
  if (pdfHeaderLine(head)) return 'application/pdf';
  // Binary whose head names nothing: its format may keep that further in (a TIFF's image
  // directory after the pixels). Text reads nothing more.
  return textType(head) ?? sniffWholeFile(head, file);
}

/**
 * file-type over the stored file, or null when there is none beyond the head, it recognises
 * nothing or cannot read it. Random access: it reads only where its detectors look.
 */
async function sniffWholeFile(head: Uint8Array, file: string | undefined): Promise<string | null> {
  if (file === undefined || head.length < SNIFF_BYTES) return null;
  try {
    return (await fileTypeFromFile(file))?.mime ?? null;
  } catch {
    return null;
  }
}

/** `%PDF-x.y` at the start of a line within the first KiB. */
function pdfHeaderLine(head: Uint8Array): boolean {
  return /(?:^|[\r\n])%PDF-\d\.\d/.test(Buffer.from(head.subarray(0, 1024)).toString('latin1'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** C0 controls other than tab, line feed, form feed and carriage return; and DEL. */
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;
const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]/i;
const SVG = 'image/svg+xml';
/** An SVG drawing: its root element after an optional XML declaration, comments and doctype. */
const SVG_START = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*|<!doctype\s+svg[^>]*>\s*)*<svg[\s>]/i;

function textType(head: Uint8Array): string | null {
  let text: string;
  try {
    // The head may end inside a multi-byte character: up to 3 bytes off the end may go.
    text = decodeAllowingCut(head);
  } catch {
    return null;
  }
  if (CONTROL.test(text)) return null;
  const start = text.replace(/^\uFEFF/, '');
  if (SVG_START.test(start)) return SVG;
  return HTML_START.test(start) ? 'text/html' : 'text/plain';
}

function decodeAllowingCut(head: Uint8Array): string {
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    try {
      return utf8.decode(head.subarray(0, head.length - cut));
    } catch (error) {
      if (cut === 3) throw error;
    }
  }
  return utf8.decode(head);
}

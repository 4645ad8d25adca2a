/**
 * Content-type sniffing at upload time: what a file is, judged by its first bytes, never by
 * its name. file-type is pure JavaScript over the bytes, so the server may run it itself.
 */
import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes the caller should pass: what file-type needs to recognise every type. */
export const SNIFF_BYTES = 4100;

/**
 * The MIME type recognised in `head` (the file's first 4100 bytes), or null when unknown.
 * Binary formats by their signatures (file-type); what has none is text when its head is
 * UTF-8 without control characters: `image/svg+xml` when it opens like an SVG drawing,
 * `text/html` like an HTML document, else `text/plain` (Markdown included: nothing in its
 * bytes tells it apart). An SVG is named as what it is, so that a processor that does not
 * take it says so in those words, not as "text/plain".
 */
export async function sniffContentType(head: Uint8Array): Promise<string | null> {
  if (head.length === 0) return null;
  try {
    const type = await fileTypeFromBuffer(head);
    // file-type knows XML by its declaration only; an SVG is XML with an `<svg>` root.
    if (type?.mime === 'application/xml') return textType(head) === SVG ? SVG : type.mime;
    if (type) return type.mime;
  } catch {
    // A damaged header can make a format's detector throw: that is "unknown", not an error.
    return null;
  }
  // Readers take a PDF whose header comes after up to 1 KiB of other bytes (a mailer's or a
  // scanner's): so does filemill, when the header starts a line there.
  if (pdfHeaderLine(head)) return 'application/pdf';
  return textType(head);
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

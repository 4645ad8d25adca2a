/**
 * One mapping, for every processor, from a parser's "these bytes are malformed" to the file's
 * `CORRUPT_INPUT`: which errors of pdf.js, sharp/libvips and the ZIP reader under mammoth
 * say so, and the one sentence the file then fails with — naming the file, with the parser's
 * reason cleaned of paths, stack lines and library prefixes. Anything else a parser throws
 * is not the file's fault as far as we know, and stays a `PROCESSOR_ERROR`. Worker side.
 */
import { ProcessorError } from './processor.js';

/**
 * pdf.js's exceptions for a file it cannot make sense of. Thrown in its worker thread, they
 * reach the caller by name (`InvalidPDFException`) or wrapped in an `UnknownErrorException`
 * whose `details` is the original's `toString()` (`FormatError: Bad FCHECK in flate stream`).
 */
const PDFJS_MALFORMED = [
  'InvalidPDFException',
  'FormatError',
  'XRefEntryException',
  'XRefParseException',
  'ParserEOFException',
  'MissingDataException',
];

/**
 * What libvips (through sharp) says of an input it cannot decode: the header check of every
 * loader, and the loaders' own words for data that ends early or makes no sense.
 */
const LIBVIPS_MALFORMED =
  /corrupt header|unsupported image format|premature end|unexpected end|truncated|corrupt|bad seek|read error|unable to parse|no frames|invalid input|not a known file format/i;

/** jszip (mammoth's ZIP reader) and mammoth itself, on a file that is no usable DOCX. */
const ZIP_MALFORMED =
  /corrupted zip|end of central directory|is this a zip file|end of data reached|invalid (?:signature|ZIP)|could not find (?:main document part|file)/i;

/**
 * Whether `error`, thrown by a parser while it read the input, says the input is malformed
 * (damaged, truncated, not the format it appears to be) rather than a limit or a fault of ours.
 */
export function isMalformedInput(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (PDFJS_MALFORMED.includes(error.name)) return true;
  if (error.name === 'UnknownErrorException') {
    const details = (error as Error & { details?: unknown }).details;
    return typeof details === 'string' && PDFJS_MALFORMED.some((name) => details.startsWith(`${name}:`));
  }
  return LIBVIPS_MALFORMED.test(error.message) || ZIP_MALFORMED.test(error.message);
}

/**
 * The `CORRUPT_INPUT` error for the file `name`, which cannot be read as `what` (`a PDF`,
 * `an image`, `a Word document`). The reason is `cause`'s message, cleaned (see
 * {@link cleanReason}), and only when `cause` is a malformed-input error: anything else a
 * parser says (a `TypeError` inside pdf-lib) would tell the reader nothing.
 */
export function corruptInput(name: string, what: string, cause?: unknown): ProcessorError {
  const reason = isMalformedInput(cause) ? cleanReason((cause as Error).message) : '';
  return new ProcessorError(
    'CORRUPT_INPUT',
    `"${name}" cannot be read as ${what}; it is damaged, truncated or not a supported format${
      reason ? ` (${reason})` : ''
    }.`,
    { cause },
  );
}

/** Longest reason kept, in characters. */
const MAX_REASON = 120;
/** An absolute path or `file:` URL, up to a colon, a space or a quote. */
const PATH = /(?:file:\/\/)?(?<![\w.~-])\/[^\s:'"`<>()]+/g;
/** What libvips and sharp put before the loader's words: nothing a reader needs. */
const PREFIX =
  /^(?:input (?:file|buffer) has corrupt header:\s*(?=\S)|(?:vips\w*|\w*load\w*|webp|heif|tiff\w*|libpng|libjpeg):\s*)+/i;

/**
 * A parser's message as a short clause: its last meaningful line (libvips repeats a path
 * per attempt, then says why), without stack lines, paths, library prefixes, control
 * characters or a closing full stop; at most 120 characters. Empty when nothing is left.
 */
export function cleanReason(message: string): string {
  const lines = message
    .split(/\r?\n/)
    .filter((line) => !/^\s+at\s/.test(line))
    .map((line) =>
      line
        .replace(PATH, '')
        .replace(/^\s*:\s*/, '')
        .replace(PREFIX, '')
        .replace(/[\u0000-\u001f\u007f]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((line) => line !== '');
  const last = (lines.at(-1) ?? '').replace(/[.:;,\s]+$/, '');
  return last.length > MAX_REASON ? `${last.slice(0, MAX_REASON - 1)}…` : last;
}

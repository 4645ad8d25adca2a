/**
 * Turns what sharp/libvips throws into the file's error: a pixel bomb is `TOO_MANY_PIXELS`,
 * an undecodable file `CORRUPT_INPUT`, each with a sentence a person can act on. Errors
 * about writing the output, and running out of memory, pass through for the pool to classify.
 */
import sharp from 'sharp';
import { ProcessorError, type RunInput } from '../processor.js';

const PIXEL_LIMIT = /exceeds pixel limit/i;
/** Not the input's fault: writing the output, or memory. */
const NOT_INPUT = /save|too large for the|out of memory|write|unable to open for write/i;

/** The error to throw for `error`, raised while reading or converting `input`. */
export async function imageError(error: unknown, input: RunInput, maxPixels: number): Promise<Error> {
  const message = error instanceof Error ? error.message : String(error);
  if (PIXEL_LIMIT.test(message)) {
    return new ProcessorError('TOO_MANY_PIXELS', await pixelLimitMessage(input, maxPixels), { cause: error });
  }
  if (NOT_INPUT.test(message)) return error instanceof Error ? error : new Error(message);
  const reason = message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return new ProcessorError(
    'CORRUPT_INPUT',
    `The image could not be decoded; it is damaged, truncated or not a supported format (${reason}).`,
    { cause: error },
  );
}

/** Names the declared size when the header can be read; the header alone is cheap and safe. */
async function pixelLimitMessage(input: RunInput, maxPixels: number): Promise<string> {
  const limit = maxPixels.toLocaleString('en-US');
  const fallback = `The image has more pixels than the limit of ${limit}.`;
  try {
    const { width, height } = await sharp(input.inputPath, { limitInputPixels: false }).metadata();
    if (!width || !height) return fallback;
    const pixels = (width * height).toLocaleString('en-US');
    return `The image is ${width} × ${height} (${pixels} pixels), more than the limit of ${limit}.`;
  } catch {
    return fallback;
  }
}

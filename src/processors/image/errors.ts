/**
 * Turns what sharp/libvips throws into the file's error: a pixel bomb is `TOO_MANY_PIXELS`,
 * an undecodable file `CORRUPT_INPUT` (the shared mapping, corrupt-input.ts), each with a
 * sentence a person can act on. Errors about writing the output, running out of memory, and
 * whatever else libvips says, pass through for the pool to classify.
 */
import sharp from 'sharp';
import { corruptInput, isMalformedInput } from '../corrupt-input.js';
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
  if (!NOT_INPUT.test(message) && isMalformedInput(error)) return corruptInput(input.name, 'an image', error);
  return error instanceof Error ? error : new Error(message);
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

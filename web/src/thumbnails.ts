/**
 * Small previews of chosen images, made in the browser from the file itself (nothing is
 * uploaded): decoded straight to thumbnail size by `createImageBitmap`, for the row to draw
 * on its own canvas. A canvas rather than an `<img>` of an object URL: nothing to revoke,
 * and the page's Content-Security-Policy (`img-src 'self' data:`) needs no `blob:`. Two are
 * made at a time: decoding a folder of 12-megapixel photos at once would freeze the page.
 */
import { createLimiter } from './limiter.js';

/** Thumbnails' side, in CSS pixels; decoded at twice that for sharp high-DPI screens. */
export const THUMB_SIZE = 44;

const making = createLimiter(2);

/**
 * `file` decoded `width` pixels wide, in its own shape; rejects when the browser cannot
 * decode it, or with the signal's reason when it stopped being wanted. The caller closes it.
 */
export function makeThumbnail(
  file: Blob,
  signal?: AbortSignal,
  width = THUMB_SIZE * 2,
): Promise<ImageBitmap> {
  return making(async () => {
    const bitmap = await createImageBitmap(file, { resizeWidth: width, resizeQuality: 'medium' });
    if (signal?.aborted) {
      bitmap.close();
      throw signal.reason;
    }
    return bitmap;
  }, signal);
}

/** Draws `bitmap` on `canvas` as `object-fit: cover` would: centred, filling the square. */
export function drawCovering(canvas: HTMLCanvasElement, bitmap: ImageBitmap): void {
  const side = Math.min(bitmap.width, bitmap.height);
  canvas.width = side;
  canvas.height = side;
  const x = (bitmap.width - side) / 2;
  const y = (bitmap.height - side) / 2;
  canvas.getContext('2d')?.drawImage(bitmap, x, y, side, side, 0, 0, side, side);
}

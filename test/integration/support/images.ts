/**
 * Real image fixtures, made by sharp at test time (nothing binary is committed).
 */
import sharp from 'sharp';

/** A photo-like JPEG of the given size: a gradient with noise, so it does not compress to nothing. */
export async function photoJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const channels = 3;
  const raw = Buffer.alloc(width * height * channels);
  let state = seed * 2654435761;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const noise = state % 32;
      const i = (y * width + x) * channels;
      raw[i] = ((x * 255) / width + noise) & 0xff;
      raw[i + 1] = ((y * 255) / height + noise) & 0xff;
      raw[i + 2] = ((seed * 40 + noise * 2) & 0xff) as number;
    }
  }
  return sharp(raw, { raw: { width, height, channels } }).jpeg({ quality: 90 }).toBuffer();
}

/** A PNG that declares `width × height` pixels but is tiny on disk: a decompression bomb. */
export async function bombPng(width = 12_000, height = 12_000): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** The first third of a real JPEG: the right magic bytes, a broken body. */
export async function truncatedJpeg(): Promise<Buffer> {
  const full = await photoJpeg(400, 300, 7);
  return full.subarray(0, Math.floor(full.length / 3));
}

/** A minimal valid PDF (not an image). */
export function tinyPdf(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
      'trailer<</Root 1 0 R>>\n%%EOF\n',
  );
}

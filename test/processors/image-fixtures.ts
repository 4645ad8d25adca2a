/**
 * Images for the image processor's tests, made by sharp at test time in a temporary folder
 * (no binary fixtures in the repository): a photo, a PNG with alpha, an EXIF-rotated JPEG
 * with a colour profile, an animated GIF, and hostile files (truncated, a pixel bomb, SVG,
 * text posing as JPEG).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export interface ImageFixtures {
  dir: string;
  /** 2400 × 1600 JPEG. */
  photo: string;
  /** 400 × 300 PNG, half transparent. */
  alpha: string;
  /** Stored 400 × 200 with EXIF orientation 6 (shown 200 × 400), Display P3 profile. */
  rotated: string;
  /** 60 × 40 GIF, 3 frames. */
  animated: string;
  /** The photo cut in half. */
  truncated: string;
  /** A ~1 MB PNG declaring 10000 × 10000 pixels of one grey. */
  bomb: string;
  svg: string;
  text: string;
  remove(): Promise<void>;
}

export async function makeImageFixtures(): Promise<ImageFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-image-'));
  const path = (name: string): string => join(dir, name);
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 20 };

  const photo = await sharp({
    create: { width: 2400, height: 1600, channels: 3, background: '#808080', noise },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
  await writeFile(path('photo.jpg'), photo);
  await writeFile(path('truncated.jpg'), photo.subarray(0, Math.floor(photo.length / 2)));
  await sharp({
    create: { width: 400, height: 300, channels: 4, background: { r: 0, g: 128, b: 255, alpha: 0.5 } },
  })
    .png()
    .toFile(path('alpha.png'));
  await sharp({ create: { width: 400, height: 200, channels: 3, background: '#08f' } })
    .withIccProfile('p3')
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toFile(path('rotated.jpg'));
  const frames = await Promise.all(
    ['#f00', '#0f0', '#00f'].map((c) =>
      sharp({ create: { width: 60, height: 40, channels: 4, background: c } })
        .png()
        .toBuffer(),
    ),
  );
  await sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100, 100], loop: 0 })
    .toFile(path('animated.gif'));
  // A real bomb: valid, tiny on disk, 100 megapixels once decoded.
  await sharp({
    create: { width: 10_000, height: 10_000, channels: 3, background: '#fff' },
    limitInputPixels: false,
  })
    .extractChannel(0)
    .png({ compressionLevel: 1 })
    .toFile(path('bomb.png'));
  await writeFile(
    path('image.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
  );
  await writeFile(path('text.jpg'), 'this is not an image at all');

  return {
    dir,
    photo: path('photo.jpg'),
    alpha: path('alpha.png'),
    rotated: path('rotated.jpg'),
    animated: path('animated.gif'),
    truncated: path('truncated.jpg'),
    bomb: path('bomb.png'),
    svg: path('image.svg'),
    text: path('text.jpg'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

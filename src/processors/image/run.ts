/**
 * The image processor's work, loaded only in the sandboxed worker: decode with sharp
 * (libvips) under a pixel limit and with only the accepted formats' loaders enabled, turn
 * upright, resize, encode, file to file. libvips runs single-threaded with no cache here:
 * the pool already runs one process per core, and a long-lived child must not keep memory.
 */
import sharp, { type FitEnum, type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { corruptInput } from '../corrupt-input.js';
import type { ProcessorRun, RunInput } from '../processor.js';
import { imageError } from './errors.js';
import {
  ANIMATED_FORMATS,
  contentTypeOf,
  formatOfSharp,
  targetFormat,
  type OutputFormat,
} from './formats.js';

sharp.cache(false);
sharp.concurrency(1);
// Every loader is refused but those of the accepted formats (nsgif reads GIF, heif AVIF):
// SVG, PDF, raw camera and other parsers never see untrusted bytes.
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({
  operation: [
    'VipsForeignLoadJpeg',
    'VipsForeignLoadPng',
    'VipsForeignLoadWebp',
    'VipsForeignLoadHeif',
    'VipsForeignLoadTiff',
    'VipsForeignLoadNsgif',
  ],
});

/** The settings with every default applied (see the schema in descriptor.ts). */
interface ImageSettings {
  format: OutputFormat | 'keep';
  quality: number;
  width: number | undefined;
  height: number | undefined;
  fit: keyof FitEnum;
  withoutEnlargement: boolean;
  stripMetadata: boolean;
  autoRotate: boolean;
  effort: number | undefined;
  lossless: boolean;
}

function withDefaults(settings: Record<string, unknown>): ImageSettings {
  const s = settings as Partial<ImageSettings>;
  return {
    format: s.format ?? 'keep',
    quality: s.quality ?? 80,
    width: s.width,
    height: s.height,
    fit: s.fit ?? 'inside',
    withoutEnlargement: s.withoutEnlargement ?? true,
    stripMetadata: s.stripMetadata ?? true,
    autoRotate: s.autoRotate ?? true,
    effort: s.effort,
    lossless: s.lossless ?? false,
  };
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** Applies the output format with its options; effort is clamped to the format's own range. */
function encode(image: Sharp, format: OutputFormat, s: ImageSettings, hasAlpha: boolean): Sharp {
  const effort = s.effort;
  switch (format) {
    case 'jpeg':
      // JPEG has no alpha: flatten on white rather than libvips' black.
      return (hasAlpha ? image.flatten({ background: '#ffffff' }) : image).jpeg({
        quality: s.quality,
        mozjpeg: true,
      });
    case 'png':
      // `effort`/`quality` on PNG would switch to a lossy palette; the zlib level is safe.
      return image.png(effort === undefined ? {} : { compressionLevel: clamp(effort, 0, 9) });
    case 'webp':
      return image.webp({
        quality: s.quality,
        lossless: s.lossless,
        ...(effort === undefined ? {} : { effort: clamp(effort, 0, 6) }),
      });
    case 'avif':
      return image.avif({
        quality: s.quality,
        lossless: s.lossless,
        ...(effort === undefined ? {} : { effort: clamp(effort, 0, 9) }),
      });
    case 'tiff':
      return image.tiff(
        s.lossless || hasAlpha ? { compression: 'deflate' } : { compression: 'jpeg', quality: s.quality },
      );
    case 'gif':
      return image.gif(effort === undefined ? {} : { effort: clamp(effort, 1, 10) });
  }
}

/** Reads the header only (no pixels): size, frames, format; the pixel limit applies already. */
async function readMetadata(input: RunInput, maxPixels: number): Promise<Metadata> {
  try {
    return await sharp(input.inputPath, { failOn: 'error', limitInputPixels: maxPixels }).metadata();
  } catch (error) {
    throw await imageError(error, input, maxPixels);
  }
}

export const run: ProcessorRun = async (input, settings, ctx) => {
  const s = withDefaults(settings);
  const maxPixels = ctx.limits.maxInputPixels;
  const meta = await readMetadata(input, maxPixels);
  ctx.progress(10);

  const inputFormat = formatOfSharp(meta.format);
  const format = targetFormat(s.format, input.contentType) ?? inputFormat;
  if (!format) throw corruptInput(input.name, 'an image');
  const frames = meta.pages ?? 1;
  // Animation survives only into formats that can hold it; otherwise the first frame is used.
  const animated = frames > 1 && ANIMATED_FORMATS.has(format);

  let image = sharp(input.inputPath, {
    // 'error' also refuses truncated data (a cut-off JPEG), unlike 'none'/'truncated' alone.
    failOn: 'error',
    limitInputPixels: maxPixels,
    animated,
    autoOrient: s.autoRotate,
  });
  if (s.width !== undefined || s.height !== undefined) {
    image = image.resize({
      width: s.width,
      height: s.height,
      fit: s.fit,
      withoutEnlargement: s.withoutEnlargement,
    });
  }
  image = s.stripMetadata ? image.keepIccProfile() : image.keepMetadata();
  image = encode(image, format, s, meta.hasAlpha === true);

  let info: OutputInfo;
  try {
    info = await image.toFile(input.outputPath);
  } catch (error) {
    throw await imageError(error, input, maxPixels);
  }
  ctx.progress(100);

  const upright =
    s.autoRotate && meta.autoOrient ? meta.autoOrient : { width: meta.width, height: meta.height };
  const pageHeight = frames > 1 && meta.pageHeight ? meta.pageHeight : undefined;
  return {
    outputType: contentTypeOf(format),
    details: {
      width: upright.width,
      height: pageHeight ?? upright.height,
      format: inputFormat ?? meta.format ?? null,
      frames,
      outputWidth: info.width,
      outputHeight: animated && info.pageHeight ? info.pageHeight : info.height,
      outputFormat: format,
    },
  };
};

/**
 * The image processor as the server sees it: what it accepts, its settings schema (served to
 * the UI and used to validate submissions), its presets, and how outputs are named. The work
 * itself is in `run.ts`, which only the sandboxed worker loads.
 */
import Type from 'typebox';
import { replaceExtension } from '../../core/filenames.js';
import type { ProcessorDescriptor } from '../processor.js';
import { ACCEPTED_TYPES, EXTENSIONS, extensionOf, targetFormat } from './formats.js';

/** Largest width or height that can be asked for, in pixels. */
export const MAX_DIMENSION = 16384;

export const imageSettingsSchema = Type.Object(
  {
    format: Type.Optional(
      Type.Enum(['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif', 'keep'], {
        default: 'keep',
        description: 'Output format; `keep` writes the input format.',
      }),
    ),
    quality: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 80,
        description:
          'Lossy quality, 1 (smallest) to 100 (best), for JPEG, WebP, AVIF and TIFF. PNG and GIF stay lossless.',
      }),
    ),
    width: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        description: 'Target width in pixels; none keeps the ratio.',
      }),
    ),
    height: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        description: 'Target height in pixels; none keeps the ratio.',
      }),
    ),
    fit: Type.Optional(
      Type.Enum(['cover', 'contain', 'fill', 'inside', 'outside'], {
        default: 'inside',
        description:
          'How the image fits width × height: crop (cover), letterbox (contain), stretch (fill), within (inside), around (outside).',
      }),
    ),
    withoutEnlargement: Type.Optional(
      Type.Boolean({ default: true, description: 'Never make an image larger than it is.' }),
    ),
    stripMetadata: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Remove EXIF, XMP and IPTC (location, camera); the colour profile is kept.',
      }),
    ),
    autoRotate: Type.Optional(
      Type.Boolean({ default: true, description: 'Turn the image upright from its EXIF orientation.' }),
    ),
    effort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description:
          "CPU spent on a smaller file, 0 (fastest) to 10 (slowest); clamped to each format's range (WebP 0–6, AVIF 0–9, GIF 1–10, PNG as zlib level 0–9); JPEG and TIFF ignore it.",
      }),
    ),
    lossless: Type.Optional(
      Type.Boolean({ default: false, description: 'Lossless WebP or AVIF (quality is then ignored).' }),
    ),
  },
  { additionalProperties: false },
);

export const imageProcessor: ProcessorDescriptor = {
  name: 'image',
  title: 'Convert, resize and optimise images',
  accepts: ACCEPTED_TYPES,
  extensions: EXTENSIONS,
  settingsSchema: imageSettingsSchema,
  presets: [
    {
      name: 'web',
      title: 'Web: at most 2048 × 2048, WebP quality 80, upright, no metadata',
      settings: {
        format: 'webp',
        quality: 80,
        width: 2048,
        height: 2048,
        fit: 'inside',
        withoutEnlargement: true,
        autoRotate: true,
        stripMetadata: true,
      },
    },
    {
      name: 'thumbnail',
      title: 'Thumbnail: 320 × 320 cropped, WebP quality 70',
      settings: {
        format: 'webp',
        quality: 70,
        width: 320,
        height: 320,
        fit: 'cover',
        withoutEnlargement: false,
        autoRotate: true,
        stripMetadata: true,
      },
    },
    {
      name: 'archive',
      title: 'Archive: original size, AVIF quality 60, metadata kept',
      settings: { format: 'avif', quality: 60, autoRotate: true, stripMetadata: false },
    },
  ],
  defaultPreset: 'web',
  outputName(inputName, contentType, settings) {
    const format = targetFormat(settings.format, contentType);
    return format ? replaceExtension(inputName, extensionOf(format)) : inputName;
  },
  runModule: new URL('./run.js', import.meta.url),
};

/**
 * The image processor as the server sees it: what it accepts, its settings schema (served to
 * the UI and used to validate submissions), its presets, and how outputs are named. The work
 * itself is in `run.ts`, which only the sandboxed worker loads.
 */
import Type from 'typebox';
import { replaceExtension } from '../../core/filenames.js';
import type { ProcessorDescriptor } from '../processor.js';
import { appliesWhen } from '../setting-conditions.js';
import { ACCEPTED_TYPES, EXTENSIONS, extensionOf, targetFormat } from './formats.js';

/** Largest width or height that can be asked for, in pixels. */
export const MAX_DIMENSION = 16384;

/** Formats whose output takes a quality (PNG and GIF are lossless); `keep` may be one of them. */
const LOSSY = ['jpeg', 'webp', 'avif', 'tiff', 'keep'];

export const imageSettingsSchema = Type.Object(
  {
    format: Type.Optional(
      Type.Enum(['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif', 'keep'], {
        default: 'keep',
        title: 'Output format',
        description: 'The format every image is written in; keep writes each one in its own format.',
      }),
    ),
    quality: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 80,
        title: 'Quality',
        description:
          'Lossy quality, 1 (smallest file) to 100 (best picture), for JPEG, WebP, AVIF and TIFF. PNG and GIF stay lossless.',
        ...appliesWhen({ format: LOSSY, lossless: [false] }),
      }),
    ),
    width: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        title: 'Width (pixels)',
        description: 'The width to resize to; leave it empty to follow the height and keep the proportions.',
      }),
    ),
    height: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_DIMENSION,
        title: 'Height (pixels)',
        description: 'The height to resize to; leave it empty to follow the width and keep the proportions.',
      }),
    ),
    fit: Type.Optional(
      Type.Enum(['cover', 'contain', 'fill', 'inside', 'outside'], {
        default: 'inside',
        title: 'Fit to width and height',
        description:
          'When both are set: crop to fill them (cover), letterbox (contain), stretch (fill), shrink to fit within (inside), or cover them at least (outside).',
      }),
    ),
    withoutEnlargement: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Never enlarge',
        description: 'An image smaller than the width and height stays its size instead of being blown up.',
      }),
    ),
    stripMetadata: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Remove metadata',
        description: 'Take out EXIF, XMP and IPTC (location, camera, dates); the colour profile is kept.',
      }),
    ),
    autoRotate: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Turn upright',
        description: 'Rotate each image the way the camera recorded it was held (EXIF orientation).',
      }),
    ),
    effort: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        title: 'Compression effort',
        description:
          "Time spent making the file smaller, 0 (fastest) to 10 (slowest), fitted to each format's own range (WebP 0–6, AVIF 0–9, GIF 1–10, PNG 0–9). Empty: the format's usual effort.",
        ...appliesWhen({ format: ['png', 'webp', 'avif', 'gif', 'keep'] }),
      }),
    ),
    lossless: Type.Optional(
      Type.Boolean({
        default: false,
        title: 'Lossless',
        description: 'Keep every pixel exact in WebP, AVIF or TIFF (larger files); quality is then not used.',
        ...appliesWhen({ format: ['webp', 'avif', 'tiff', 'keep'] }),
      }),
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

/**
 * The image formats the image processor reads and writes, and how each is named: the content
 * type file-type reports, the file extension, and sharp's output format. Shared by the
 * descriptor (server side) and the run module (worker side); imports nothing native.
 */

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Content type (as sniffed) → the format of the same kind. */
const BY_CONTENT_TYPE: Readonly<Record<string, OutputFormat>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/tiff': 'tiff',
  'image/gif': 'gif',
};

export const ACCEPTED_TYPES: readonly string[] = Object.keys(BY_CONTENT_TYPE);

export const EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.jfif',
  '.png',
  '.webp',
  '.avif',
  '.tif',
  '.tiff',
  '.gif',
];

const EXTENSION: Readonly<Record<OutputFormat, string>> = {
  jpeg: '.jpg',
  png: '.png',
  webp: '.webp',
  avif: '.avif',
  tiff: '.tiff',
  gif: '.gif',
};

const CONTENT_TYPE: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  gif: 'image/gif',
};

/** sharp's `metadata().format` → ours (`heif` is how sharp names AVIF input). */
const BY_SHARP_FORMAT: Readonly<Record<string, OutputFormat>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  heif: 'avif',
  avif: 'avif',
  tiff: 'tiff',
  gif: 'gif',
};

/** Formats that can hold more than one frame (animation) when sharp writes them. */
export const ANIMATED_FORMATS: ReadonlySet<OutputFormat> = new Set(['webp', 'gif']);

export function formatOfContentType(contentType: string | null): OutputFormat | null {
  return contentType === null ? null : (BY_CONTENT_TYPE[contentType] ?? null);
}

export function formatOfSharp(format: string | undefined): OutputFormat | null {
  return format === undefined ? null : (BY_SHARP_FORMAT[format] ?? null);
}

export function extensionOf(format: OutputFormat): string {
  return EXTENSION[format];
}

export function contentTypeOf(format: OutputFormat): string {
  return CONTENT_TYPE[format];
}

/**
 * The format an output will have: the requested one, or with `keep` (or nothing) the
 * input's own, by content type; null when that is unknown.
 */
export function targetFormat(requested: unknown, contentType: string | null): OutputFormat | null {
  if (typeof requested === 'string' && (OUTPUT_FORMATS as readonly string[]).includes(requested)) {
    return requested as OutputFormat;
  }
  return formatOfContentType(contentType);
}

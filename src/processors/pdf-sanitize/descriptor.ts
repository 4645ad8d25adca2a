/**
 * The pdf-sanitize processor as the server sees it: PDFs from strangers in, disarmed PDFs of
 * the same name out. Two modes:
 * - `structural` (preset `disarm`): the file is parsed and written anew without what can act
 *   (scripts, launch/submit/import/remote actions, embedded files, rich media, XFA, wherever
 *   they sit); pages, text, fonts and (by setting) web links stay.
 * - `rasterize` (preset `rasterize`, the Dangerzone approach): every page is drawn to pixels
 *   by pdf.js and a new PDF is built from the images; nothing of the original structure
 *   survives, and there is no text layer — unless `ocr` (preset `rasterize-searchable`)
 *   lays the words recognised on each page over it, invisibly.
 * An encrypted PDF is opened with the empty password (owner-only encryption) or the
 * `password` setting — write-only: never shown back (core/views.ts) — and written
 * unencrypted; one that still cannot be opened fails with ENCRYPTED. The work is in
 * `run.ts`, loaded only by the worker.
 */
import Type from 'typebox';
import { maxPagesSetting, ocrLanguagesSetting, ocrSetting } from '../document-settings.js';
import type { ProcessorDescriptor } from '../processor.js';

/**
 * Default cap on the pixels of one rendered page: A4 at the largest DPI (300) is
 * 2480 × 3508 = 8.7 M pixels (35 MB of RGBA), so ordinary pages are never scaled down, while
 * a poster or a hostile 200-inch page is drawn at a lower DPI instead of taking gigabytes.
 */
export const DEFAULT_MAX_PAGE_PIXELS = 8_700_000;

/**
 * Default memory one page's drawing may take beyond its own canvas (pdf.js's canvases for
 * patterns, shadings, groups, and the copies between them), in MiB: a quarter of the
 * default worker limit (`FILEMILL_FILE_MEMORY_MB`, 1024), which also holds pdf.js, the
 * canvas library and the document.
 */
export const DEFAULT_PAGE_MEMORY_MB = 256;

/** Default wall time for one page, retries included, in seconds: a quarter of the default file limit. */
export const DEFAULT_PAGE_TIMEOUT_SECONDS = 30;

export const pdfSanitizeSettingsSchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Enum(['structural', 'rasterize'], {
        default: 'structural',
        description:
          'structural: take active content out and keep the rest; rasterize: re-draw every page from pixels into a new PDF (no text layer).',
      }),
    ),
    links: Type.Optional(
      Type.Enum(['keep', 'web-only', 'remove'], {
        default: 'web-only',
        description: 'Link actions: keep all, keep only http, https and mailto, or remove all.',
      }),
    ),
    metadata: Type.Optional(
      Type.Enum(['keep', 'strip'], {
        default: 'keep',
        description: 'Document information and XMP metadata (author, title, software): keep or strip.',
      }),
    ),
    forms: Type.Optional(
      Type.Enum(['keep', 'remove'], {
        default: 'keep',
        description:
          'Form fields: keep them (their scripts are always removed) or remove them, their current appearance drawn into the page where possible.',
      }),
    ),
    onFailure: Type.Optional(
      Type.Enum(['fail', 'rasterize'], {
        default: 'fail',
        description:
          'A file the structural parser cannot read: fail it with CORRUPT_INPUT, or re-draw it from pixels if the renderer can.',
      }),
    ),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        writeOnly: true,
        description:
          'Password to open encrypted PDFs (the empty password is always tried first). Never shown back by the API or the reports.',
      }),
    ),
    maxPages: maxPagesSetting(),
    dpi: Type.Optional(
      Type.Integer({ minimum: 72, maximum: 300, default: 150, description: 'Rasterize: dots per inch.' }),
    ),
    format: Type.Optional(
      Type.Enum(['jpeg', 'lossless'], {
        default: 'jpeg',
        description: 'Rasterize: page images as JPEG, or lossless (deflated pixels: larger, exact).',
      }),
    ),
    jpegQuality: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 85, description: 'Rasterize: JPEG quality.' }),
    ),
    grayscale: Type.Optional(
      Type.Boolean({ default: false, description: 'Rasterize: draw the pages in shades of grey.' }),
    ),
    maxPagePixels: Type.Optional(
      Type.Integer({
        minimum: 100_000,
        maximum: 50_000_000,
        default: DEFAULT_MAX_PAGE_PIXELS,
        description:
          'Rasterize: a page that would take more pixels at `dpi` is drawn at a lower DPI (counted as `scaledPages`).',
      }),
    ),
    pageMemoryMb: Type.Optional(
      Type.Integer({
        minimum: 32,
        maximum: 4096,
        default: DEFAULT_PAGE_MEMORY_MB,
        description:
          "Rasterize: MiB one page's patterns, shadings and groups may take while drawn; a page over it is drawn at half the DPI, then simplified (listed in `reducedPages`).",
      }),
    ),
    pageTimeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        default: DEFAULT_PAGE_TIMEOUT_SECONDS,
        description:
          'Rasterize: seconds one page may take to draw; a page over half of it is drawn again at half the DPI, then simplified (listed in `reducedPages`); one still over it fails the file with TIMEOUT. The file time limit applies too.',
      }),
    ),
    ocr: ocrSetting(
      'Rasterize: recognise the text of every page (offline OCR) and lay it over the image, invisible, so the copy can be searched.',
    ),
    ocrLanguages: ocrLanguagesSetting('Rasterize with ocr'),
  },
  { additionalProperties: false },
);

export const pdfSanitizeProcessor: ProcessorDescriptor = {
  name: 'pdf-sanitize',
  title: 'Disarm untrusted PDFs (scripts, launch actions, embedded files, XFA removed) or re-draw them',
  accepts: ['application/pdf'],
  extensions: ['.pdf'],
  settingsSchema: pdfSanitizeSettingsSchema,
  presets: [
    {
      name: 'disarm',
      title: 'Disarm: active content removed; pages, text, fonts and web links kept',
      settings: { mode: 'structural', links: 'web-only', metadata: 'keep' },
    },
    {
      name: 'rasterize',
      title: 'Rasterize: every page re-drawn from pixels (150 DPI JPEG); no text layer, nothing else kept',
      settings: { mode: 'rasterize', dpi: 150, format: 'jpeg', jpegQuality: 85 },
    },
    {
      name: 'rasterize-searchable',
      title: 'Rasterize, searchable: every page re-drawn (150 DPI JPEG) with an invisible OCR text layer',
      settings: { mode: 'rasterize', dpi: 150, format: 'jpeg', jpegQuality: 85, ocr: true },
    },
    {
      name: 'strict',
      title: 'Strict: disarm, also every link and the metadata removed; unreadable files re-drawn',
      settings: { mode: 'structural', links: 'remove', metadata: 'strip', onFailure: 'rasterize' },
    },
  ],
  defaultPreset: 'disarm',
  outputName: (inputName) => inputName,
  runModule: new URL('./run.js', import.meta.url),
};

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
import { appliesWhen, type Condition } from '../setting-conditions.js';

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

/** The structural mode's own settings. */
const STRUCTURAL = appliesWhen({ mode: ['structural'] });

/** What draws pages: the rasterize mode, or the structural mode's fallback for an unreadable file. */
const DRAWING: Condition[] = [{ mode: ['rasterize'] }, { mode: ['structural'], onFailure: ['rasterize'] }];

export const pdfSanitizeSettingsSchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Enum(['structural', 'rasterize'], {
        default: 'structural',
        title: 'How to sanitise',
        description:
          'structural: take active content out and keep the rest (text stays searchable); rasterize: re-draw every page from pixels into a new PDF, so nothing of the original is left.',
      }),
    ),
    links: Type.Optional(
      Type.Enum(['keep', 'web-only', 'remove'], {
        default: 'web-only',
        title: 'Links',
        description:
          'Keep every link, keep only web and e-mail links (http, https, mailto), or remove them all.',
        ...STRUCTURAL,
      }),
    ),
    metadata: Type.Optional(
      Type.Enum(['keep', 'strip'], {
        default: 'keep',
        title: 'Document metadata',
        description: 'The author, title, software and dates stored in the file: keep them or strip them.',
        ...STRUCTURAL,
      }),
    ),
    forms: Type.Optional(
      Type.Enum(['keep', 'remove'], {
        default: 'keep',
        title: 'Form fields',
        description:
          'Keep form fields (their scripts are always removed), or remove them, drawing what they show into the page where possible.',
        ...STRUCTURAL,
      }),
    ),
    onFailure: Type.Optional(
      Type.Enum(['fail', 'rasterize'], {
        default: 'fail',
        title: 'When a file cannot be parsed',
        description:
          'A damaged file the structural parser cannot read: fail it (CORRUPT_INPUT), or re-draw it from pixels if the renderer can read it.',
        ...STRUCTURAL,
      }),
    ),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        writeOnly: true,
        title: 'Password',
        description:
          'Opens encrypted PDFs (the empty password is always tried first); the copies are written without encryption. Never shown back by the API or the reports.',
      }),
    ),
    maxPages: maxPagesSetting(),
    dpi: Type.Optional(
      Type.Integer({
        minimum: 72,
        maximum: 300,
        default: 150,
        title: 'Resolution (DPI)',
        description: 'Dots per inch of the re-drawn pages: higher is sharper and larger.',
        ...appliesWhen(...DRAWING),
      }),
    ),
    format: Type.Optional(
      Type.Enum(['jpeg', 'lossless'], {
        default: 'jpeg',
        title: 'Page images',
        description: 'The re-drawn pages as JPEG (small), or lossless (exact pixels, larger files).',
        ...appliesWhen(...DRAWING),
      }),
    ),
    jpegQuality: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 85,
        title: 'JPEG quality',
        description: 'Quality of the JPEG page images, 1 (smallest) to 100 (best).',
        ...appliesWhen(...DRAWING.map((c) => ({ ...c, format: ['jpeg'] }))),
      }),
    ),
    grayscale: Type.Optional(
      Type.Boolean({
        default: false,
        title: 'Shades of grey',
        description: 'Draw the pages in shades of grey instead of colour (smaller files).',
        ...appliesWhen(...DRAWING),
      }),
    ),
    maxPagePixels: Type.Optional(
      Type.Integer({
        minimum: 100_000,
        maximum: 50_000_000,
        default: DEFAULT_MAX_PAGE_PIXELS,
        title: 'Largest page (pixels)',
        description:
          'A page that would take more pixels than this at the chosen DPI (a poster, say) is drawn at a lower DPI instead; the report counts it in scaledPages.',
        ...appliesWhen(...DRAWING),
      }),
    ),
    pageMemoryMb: Type.Optional(
      Type.Integer({
        minimum: 32,
        maximum: 4096,
        default: DEFAULT_PAGE_MEMORY_MB,
        title: 'Memory per page (MiB)',
        description:
          'Memory the drawing of one page may take beyond its image; a page that needs more is drawn at half the DPI, then simplified (listed in reducedPages).',
        ...appliesWhen(...DRAWING),
      }),
    ),
    pageTimeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        default: DEFAULT_PAGE_TIMEOUT_SECONDS,
        title: 'Time per page (seconds)',
        description:
          'How long one page may take to draw: past half of it the page is drawn again at half the DPI, then simplified (listed in reducedPages); past all of it the file fails (TIMEOUT). The time limit of the whole file applies too.',
        ...appliesWhen(...DRAWING),
      }),
    ),
    ocr: ocrSetting(
      'Searchable text (OCR)',
      'Recognise the words on every re-drawn page (offline OCR) and lay them over the image, invisible, so the copy can be searched and copied from.',
      ...DRAWING,
    ),
    ocrLanguages: ocrLanguagesSetting(),
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

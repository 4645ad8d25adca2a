/**
 * The pdf-sanitize processor as the server sees it: PDFs from strangers in, disarmed PDFs of
 * the same name out. This release has the structural mode (`disarm`, `strict`); the re-draw
 * mode (`rasterize`) and a password setting are still to come: a PDF encrypted with an
 * owner password only is opened and disarmed, one that needs a password fails with
 * ENCRYPTED. The work is in `run.ts`, loaded only by the worker.
 */
import Type from 'typebox';
import type { ProcessorDescriptor } from '../processor.js';

export const pdfSanitizeSettingsSchema = Type.Object(
  {
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
    maxPages: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        default: 1000,
        description: 'More pages fail with TOO_MANY_PAGES.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const pdfSanitizeProcessor: ProcessorDescriptor = {
  name: 'pdf-sanitize',
  title: 'Disarm untrusted PDFs (scripts, launch actions, embedded files, XFA removed)',
  accepts: ['application/pdf'],
  extensions: ['.pdf'],
  settingsSchema: pdfSanitizeSettingsSchema,
  presets: [
    {
      name: 'disarm',
      title: 'Disarm: active content removed; pages, text, fonts and web links kept',
      settings: { links: 'web-only', metadata: 'keep' },
    },
    {
      name: 'strict',
      title: 'Strict: also every link and the metadata removed',
      settings: { links: 'remove', metadata: 'strip' },
    },
  ],
  defaultPreset: 'disarm',
  outputName: (inputName) => inputName,
  runModule: new URL('./run.js', import.meta.url),
};

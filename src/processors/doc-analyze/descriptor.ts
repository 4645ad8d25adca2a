/**
 * The doc-analyze processor as the server sees it: documents in (PDF, Word, HTML, plain text
 * and Markdown), one analysis per document out (`<name>.json`, also in `details`), or the
 * extracted text (`<name>.txt`, preset `extract`); and, across the batch, the combined
 * analysis in report.json's `aggregate`: totals, languages, terms most documents share,
 * near-duplicate pairs, a comparison table. The work is in `run.ts`, loaded only by workers.
 */
import Type from 'typebox';
import { maxPagesSetting, ocrLanguagesSetting, ocrSetting } from '../document-settings.js';
import type { ProcessorDescriptor } from '../processor.js';
import { DOCX } from './formats.js';
import { SHORT_WORDS } from './near-copies.js';

export const docAnalyzeSettingsSchema = Type.Object(
  {
    output: Type.Optional(
      Type.Enum(['analysis', 'text'], {
        default: 'analysis',
        description: 'What each file gives back: its analysis as <name>.json, or its text as <name>.txt.',
      }),
    ),
    keywords: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 50, default: 10, description: 'Top terms listed per document.' }),
    ),
    summarySentences: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        default: 3,
        description: 'Sentences in the extractive summary (0: none).',
      }),
    ),
    entities: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Find e-mail addresses, links, phone numbers, dates and amounts.',
      }),
    ),
    phoneRegion: Type.Optional(
      Type.String({
        pattern: '^[A-Z]{2}$',
        description:
          'Country (ISO 3166, e.g. US, FR) whose national phone numbers count; international ones always do.',
      }),
    ),
    duplicateThreshold: Type.Optional(
      Type.Number({
        minimum: 0.5,
        maximum: 1,
        default: 0.8,
        description:
          'Similarity (0.5–1) from which two documents are reported as near-duplicates: for texts of up to ' +
          `${SHORT_WORDS} words, the share of their words the same and in the same order (0.8: one word in ` +
          'five changed); for longer ones, the share of 5-word sequences they have in common.',
      }),
    ),
    maxPages: maxPagesSetting(),
    ocr: ocrSetting(
      'PDF pages without a text layer (scanned, or drawn as pictures): read their text by offline OCR, so it is analysed too.',
    ),
    ocrLanguages: ocrLanguagesSetting('With ocr'),
  },
  { additionalProperties: false },
);

export const docAnalyzeProcessor: ProcessorDescriptor = {
  name: 'doc-analyze',
  title: 'Analyse documents, and compare them across the batch',
  accepts: ['application/pdf', DOCX, 'text/html', 'text/plain', 'text/markdown'],
  extensions: ['.pdf', '.docx', '.html', '.htm', '.txt', '.md', '.markdown'],
  settingsSchema: docAnalyzeSettingsSchema,
  presets: [
    {
      name: 'full',
      title: 'Full: sizes, language, metadata, fonts, keywords, entities, summary, quality',
      settings: { output: 'analysis', keywords: 10, summarySentences: 3, entities: true },
    },
    {
      name: 'quality-check',
      title: 'Quality check: scanned pages, fonts, encryption, metadata, a score with reasons',
      settings: { output: 'analysis', keywords: 0, summarySentences: 0, entities: false },
    },
    {
      name: 'extract',
      title: 'Extract: the text of each document as <name>.txt, entities in the report',
      settings: { output: 'text', keywords: 0, summarySentences: 0, entities: true },
    },
  ],
  defaultPreset: 'full',
  outputName: (inputName, _contentType, settings) =>
    `${inputName}${settings.output === 'text' ? '.txt' : '.json'}`,
  runModule: new URL('./run.js', import.meta.url),
  aggregates: true,
  // An analysis, or the text of a document: neither is the document made smaller.
  produces: 'report',
};

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
import { appliesWhen } from '../setting-conditions.js';
import { DOCX } from './formats.js';
import { SHORT_WORDS } from './near-copies.js';

export const docAnalyzeSettingsSchema = Type.Object(
  {
    output: Type.Optional(
      Type.Enum(['analysis', 'text'], {
        default: 'analysis',
        title: 'What each file gives back',
        description: 'Its analysis as <name>.json, or the text found in it as <name>.txt.',
      }),
    ),
    keywords: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 50,
        default: 10,
        title: 'Top terms per document',
        description: 'How many of its most frequent meaningful words are listed for each document (0: none).',
      }),
    ),
    summarySentences: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        default: 3,
        title: 'Summary length (sentences)',
        description: 'The sentences that best sum up each document, quoted as they are (0: no summary).',
        ...appliesWhen({ output: ['analysis'] }),
      }),
    ),
    entities: Type.Optional(
      Type.Boolean({
        default: true,
        title: 'Find contact details, dates and amounts',
        description:
          'List the e-mail addresses, web links, phone numbers, dates and amounts of money in each document.',
      }),
    ),
    phoneRegion: Type.Optional(
      Type.String({
        pattern: '^[A-Z]{2}$',
        examples: ['US', 'FR'],
        title: 'Country of phone numbers',
        description:
          'Two-letter country code (ISO 3166) whose national phone numbers are recognised too; numbers with an international prefix always are.',
        ...appliesWhen({ entities: [true] }),
      }),
    ),
    duplicateThreshold: Type.Optional(
      Type.Number({
        minimum: 0.5,
        maximum: 1,
        default: 0.8,
        title: 'Near-duplicate similarity',
        description:
          'How alike (0.5 to 1, where 1 is identical) two documents must be to be reported as near-duplicates: for texts of up to ' +
          `${SHORT_WORDS} words, the share of their words the same and in the same order (0.8: one word in ` +
          'five changed); for longer ones, the share of 5-word sequences they have in common.',
      }),
    ),
    maxPages: maxPagesSetting(),
    ocr: ocrSetting(
      'Read scanned pages (OCR)',
      'PDF pages without text (scanned, or drawn as pictures): recognise their words offline, so they are analysed too.',
    ),
    ocrLanguages: ocrLanguagesSetting(),
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

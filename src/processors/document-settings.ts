/** Settings the document processors share, declared once so they mean the same in each. */
import Type from 'typebox';
import { installedOcrLanguages } from './ocr-languages.js';
import { appliesWhen, type Condition } from './setting-conditions.js';

/** The page limit of a document: more pages fail with TOO_MANY_PAGES before any work. */
export const maxPagesSetting = () =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      title: 'Most pages per document',
      description: 'A document with more pages fails (TOO_MANY_PAGES) before any work is done on it.',
    }),
  );

/** OCR languages offered: the installed `@tesseract.js-data/<code>` packages (eng is a dependency). */
const OCR_LANGUAGES = installedOcrLanguages();

/**
 * Whether to recognise text in page images (offline OCR); `what` says what it is for in this
 * processor, `when` (if any) the conditions it applies under.
 */
export const ocrSetting = (title: string, what: string, ...when: Condition[]) =>
  Type.Optional(
    Type.Boolean({
      default: false,
      title,
      description: `${what} Slow: about a second a page.`,
      ...(when.length > 0 ? appliesWhen(...when) : {}),
    }),
  );

/** The languages OCR reads, from those installed; only when `ocr` is on. */
export const ocrLanguagesSetting = () =>
  Type.Optional(
    Type.Array(Type.Enum(OCR_LANGUAGES.length > 0 ? OCR_LANGUAGES : ['eng']), {
      minItems: 1,
      maxItems: 4,
      uniqueItems: true,
      default: ['eng'],
      title: 'OCR languages',
      description: 'The languages of the text to recognise (up to 4), from those installed on the server.',
      ...appliesWhen({ ocr: [true] }),
    }),
  );

/** Settings the document processors share, declared once so they mean the same in each. */
import Type from 'typebox';
import { installedOcrLanguages } from './ocr-languages.js';

/** The page limit of a document: more pages fail with TOO_MANY_PAGES before any work. */
export const maxPagesSetting = () =>
  Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'More pages fail with TOO_MANY_PAGES.',
    }),
  );

/** OCR languages offered: the installed `@tesseract.js-data/<code>` packages (eng is a dependency). */
const OCR_LANGUAGES = installedOcrLanguages();

/** Whether to recognise text in page images (offline OCR); `what` says what it is for in this processor. */
export const ocrSetting = (what: string) =>
  Type.Optional(Type.Boolean({ default: false, description: `${what} Slow: about a second a page.` }));

/** The languages OCR reads, from those installed. */
export const ocrLanguagesSetting = (when: string) =>
  Type.Optional(
    Type.Array(Type.Enum(OCR_LANGUAGES.length > 0 ? OCR_LANGUAGES : ['eng']), {
      minItems: 1,
      maxItems: 4,
      uniqueItems: true,
      default: ['eng'],
      description: `${when}: the languages of the text, from those installed.`,
    }),
  );

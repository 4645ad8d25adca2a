/**
 * When a setting applies (`x-applies-when`), what the server does with one that does not
 * (drops it after validating it), and the plain words the form and the CLI use.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/core/errors.js';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import { docAnalyzeProcessor } from '../../src/processors/doc-analyze/descriptor.js';
import { inapplicableSettings } from '../../src/processors/setting-conditions.js';
import { appliesWhenWords, errorWords, valueWords } from '../../src/processors/setting-words.js';
import { resolveSettings } from '../../src/processors/settings.js';

const pdf = pdfSanitizeProcessor.settingsSchema;
const RASTER = [
  'dpi',
  'format',
  'jpegQuality',
  'grayscale',
  'maxPagePixels',
  'pageMemoryMb',
  'pageTimeoutSeconds',
  'ocr',
];

describe('when a setting applies', () => {
  it('hides the drawing settings in the structural mode (the default), and the structural ones when rasterizing', () => {
    const structural = inapplicableSettings(pdf, {});
    for (const key of [...RASTER, 'ocrLanguages']) assert.ok(structural.has(key), key);
    for (const key of ['links', 'metadata', 'forms', 'onFailure', 'password', 'maxPages'])
      assert.ok(!structural.has(key), key);
    const rasterize = inapplicableSettings(pdf, { mode: 'rasterize' });
    assert.deepEqual([...rasterize].sort(), ['forms', 'links', 'metadata', 'ocrLanguages', 'onFailure']);
  });

  it('keeps the drawing settings for the structural fallback that re-draws an unreadable file', () => {
    const fallback = inapplicableSettings(pdf, { mode: 'structural', onFailure: 'rasterize' });
    for (const key of RASTER) assert.ok(!fallback.has(key), key);
  });

  it('follows a chain: OCR languages need OCR, which needs drawing', () => {
    assert.ok(!inapplicableSettings(pdf, { mode: 'rasterize', ocr: true }).has('ocrLanguages'));
    // ocr is set, but does not apply in the structural mode: so neither do its languages.
    assert.ok(inapplicableSettings(pdf, { mode: 'structural', ocr: true }).has('ocrLanguages'));
  });

  it('hides an image quality where no quality is used: PNG, GIF, or lossless', () => {
    const image = imageProcessor.settingsSchema;
    assert.ok(!inapplicableSettings(image, { format: 'jpeg' }).has('quality'));
    assert.ok(inapplicableSettings(image, { format: 'png' }).has('quality'));
    assert.ok(inapplicableSettings(image, { format: 'webp', lossless: true }).has('quality'));
    // lossless does not apply to JPEG, so a leftover `true` does not hide the quality.
    assert.ok(!inapplicableSettings(image, { format: 'jpeg', lossless: true }).has('quality'));
  });
});

describe('the server and settings that do not apply', () => {
  it("drops a preset's drawing settings once the mode is switched to structural", () => {
    const { settings } = resolveSettings(pdfSanitizeProcessor, 'rasterize-searchable', {
      mode: 'structural',
    });
    assert.deepEqual(settings, { mode: 'structural' });
  });

  it('drops a setting sent that does not apply, and keeps one that does', () => {
    const { settings } = resolveSettings(pdfSanitizeProcessor, 'disarm', { dpi: 200, links: 'remove' });
    assert.deepEqual(settings, { mode: 'structural', links: 'remove', metadata: 'keep' });
    const drawn = resolveSettings(pdfSanitizeProcessor, 'rasterize', { dpi: 200 }).settings;
    assert.equal(drawn.dpi, 200);
  });

  it('still refuses a wrong value in a setting that does not apply', () => {
    assert.throws(
      () => resolveSettings(pdfSanitizeProcessor, 'disarm', { dpi: 5000 }),
      (error: unknown) =>
        error instanceof AppError && error.code === 'INVALID_SETTINGS' && /settings\.dpi/.test(error.message),
    );
  });
});

describe('settings in words', () => {
  const property = (processor: { settingsSchema: unknown }, key: string) =>
    (processor.settingsSchema as { properties: Record<string, any> }).properties[key];

  it('says what values a setting takes', () => {
    assert.equal(valueWords(property(imageProcessor, 'quality')), 'a whole number between 1 and 100');
    assert.equal(
      valueWords(property(imageProcessor, 'fit')),
      'one of: cover, contain, fill, inside, outside',
    );
    assert.equal(
      valueWords(property(docAnalyzeProcessor, 'duplicateThreshold')),
      'a number between 0.5 and 1',
    );
    assert.equal(valueWords(property(imageProcessor, 'lossless')), 'yes or no (true or false)');
  });

  it('says when a setting applies, and nothing when it always does', () => {
    assert.equal(
      appliesWhenWords(property(pdfSanitizeProcessor, 'dpi')),
      'when mode is rasterize, or when mode is structural and onFailure is rasterize',
    );
    assert.equal(appliesWhenWords(property(pdfSanitizeProcessor, 'maxPages')), '');
  });

  it("turns the validator's complaints into words people use", () => {
    const quality = property(imageProcessor, 'quality');
    assert.equal(errorWords(quality, { keyword: 'maximum', message: 'must be <= 100' }), 'Between 1 and 100');
    assert.equal(
      errorWords(quality, { keyword: 'type', message: 'must be integer' }),
      'A whole number between 1 and 100',
    );
    assert.equal(
      errorWords(property(docAnalyzeProcessor, 'phoneRegion'), {
        keyword: 'pattern',
        message: 'must match pattern',
      }),
      'Not in the expected form, e.g. US, FR',
    );
    assert.equal(
      errorWords(property(pdfSanitizeProcessor, 'password'), { keyword: 'minLength', message: 'x' }),
      'Cannot be empty',
    );
  });
});

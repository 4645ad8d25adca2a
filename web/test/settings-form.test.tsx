/**
 * The settings form in words: fields labelled by their titles with the key beside them and
 * the description as help; fields that do not apply to the chosen mode hidden and not sent;
 * wrong values named in plain words. Rendered by React itself (react-dom/server); the same
 * in a real browser is in test/e2e/settings.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import type { ProcessorInfo } from '../src/api.js';
import { SettingsForm } from '../src/components/SettingsForm.js';
import { applicableChanges, fieldsOf, settingsErrors, toggled, withChange } from '../src/settings.js';

/** A processor as GET /api/processors serves it (JSON, so only what survives the wire). */
const served = (descriptor: object) => JSON.parse(JSON.stringify(descriptor)) as ProcessorInfo;
const pdf = served(pdfSanitizeProcessor);
const image = served(imageProcessor);
const preset = (p: ProcessorInfo, name: string) => p.presets.find((s) => s.name === name)!.settings;

function render(
  processor: ProcessorInfo,
  presetSettings: Record<string, unknown>,
  changes: Record<string, unknown> = {},
  errors: Record<string, string> = {},
) {
  return renderToStaticMarkup(
    <SettingsForm
      processor={processor}
      presetSettings={presetSettings}
      changes={changes}
      errors={errors}
      onChange={() => {}}
    />,
  );
}

describe('SettingsForm in words', () => {
  it('labels each field by its title, with its key beside the label and its description as help', () => {
    const html = render(pdf, preset(pdf, 'disarm'));
    assert.match(
      html,
      /<label for="setting-onFailure">When a file cannot be parsed<\/label><code class="setting-key"[^>]*>onFailure<\/code>/,
    );
    assert.match(html, /<select id="setting-onFailure" aria-describedby="setting-onFailure-help">/);
    assert.match(html, /<small id="setting-onFailure-help">A damaged file the structural parser cannot read/);
    assert.doesNotMatch(html, />onFailure<\/label>/, 'the key is not the label');
    const img = render(image, preset(image, 'web'));
    assert.match(img, /<input id="setting-withoutEnlargement"[^>]*\/> Never enlarge<\/label>/);
  });

  it('shows only the settings of the chosen mode', () => {
    const structural = render(pdf, preset(pdf, 'disarm'));
    assert.match(structural, /id="setting-links"/);
    assert.doesNotMatch(structural, /id="setting-dpi"|id="setting-maxPagePixels"|id="setting-ocr"/);

    const rasterize = render(pdf, preset(pdf, 'disarm'), { mode: 'rasterize' });
    assert.match(rasterize, /<label for="setting-dpi">Resolution \(DPI\)<\/label>/);
    assert.match(rasterize, /<label for="setting-maxPagePixels">Largest page \(pixels\)<\/label>/);
    assert.doesNotMatch(rasterize, /id="setting-links"|id="setting-onFailure"/);
  });

  it('shows the drawing settings in the structural mode once an unreadable file is to be re-drawn', () => {
    const html = render(pdf, preset(pdf, 'disarm'), { onFailure: 'rasterize' });
    assert.match(html, /id="setting-dpi"/);
  });

  it('hides the quality of an image format that has none', () => {
    assert.match(render(image, preset(image, 'web')), /id="setting-quality"/);
    assert.doesNotMatch(render(image, preset(image, 'web'), { format: 'png' }), /id="setting-quality"/);
  });

  it('does not send a change to a setting that the mode now hides', () => {
    const raster = preset(pdf, 'rasterize');
    assert.deepEqual(applicableChanges(pdf.settingsSchema, { dpi: 200, grayscale: true }, raster), {
      dpi: 200,
      grayscale: true,
    });
    assert.deepEqual(
      applicableChanges(pdf.settingsSchema, { dpi: 200, grayscale: true, mode: 'structural' }, raster),
      { mode: 'structural' },
    );
  });

  it('sends no change for a box ticked and unticked again, back at its default', () => {
    const disarm = preset(pdf, 'disarm');
    const on = withChange({ mode: 'rasterize' }, 'ocr', true, disarm, false);
    assert.deepEqual(on, { mode: 'rasterize', ocr: true });
    assert.deepEqual(withChange(on, 'ocr', false, disarm, false), { mode: 'rasterize' });
  });

  it('names a wrong value at its field in plain words', () => {
    const presetSettings = preset(pdf, 'rasterize');
    const errors = settingsErrors(pdf.settingsSchema, { ...presetSettings, jpegQuality: 0, dpi: 1000 });
    const html = render(pdf, presetSettings, { jpegQuality: 0, dpi: 1000 }, errors);
    assert.match(
      html,
      /<small id="setting-jpegQuality-error" class="error" role="alert">Between 1 and 100<\/small>/,
    );
    assert.match(
      html,
      /<small id="setting-dpi-error" class="error" role="alert">Between 72 and 300<\/small>/,
    );
    assert.doesNotMatch(html, /must be|Expected/);
  });

  it('offers a list of choices (OCR languages) as checkboxes under its title, once OCR is on', () => {
    const searchable = preset(pdf, 'rasterize-searchable');
    const html = render(pdf, searchable);
    assert.match(
      html,
      /<span class="setting-title" id="setting-ocrLanguages-title">OCR languages<\/span><code class="setting-key"[^>]*>ocrLanguages<\/code><\/span><fieldset class="setting-list" id="setting-ocrLanguages" aria-labelledby="setting-ocrLanguages-title" aria-describedby="setting-ocrLanguages-help"><label><input type="checkbox" checked=""\/> eng<\/label>/,
    );
    assert.doesNotMatch(render(pdf, preset(pdf, 'rasterize')), /setting-ocrLanguages/, 'not without OCR');
    const languages = fieldsOf(pdf.settingsSchema).find((f) => f.name === 'ocrLanguages')!;
    assert.deepEqual(toggled(languages, ['eng'], 'eng', false), []);
    assert.deepEqual(toggled(languages, [], 'eng', true), ['eng']);
    const errors = settingsErrors(pdf.settingsSchema, { ...searchable, ocrLanguages: [] });
    assert.equal(errors.ocrLanguages, 'Choose between 1 and 4');
  });
});

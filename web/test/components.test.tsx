/**
 * The components' markup, rendered by React itself (react-dom/server): what a screen reader
 * and the browser tests rely on — labels tied to fields, errors announced at their field,
 * the figures and downloads of a summary. (Their behaviour in a real browser is in test/e2e.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import type { ProcessorInfo } from '../src/api.js';
import { SettingsForm } from '../src/components/SettingsForm.js';

const processor = JSON.parse(
  JSON.stringify({ ...imageProcessor, settingsSchema: imageProcessor.settingsSchema }),
) as ProcessorInfo;
const web = imageProcessor.presets.find((p) => p.name === 'web')!.settings;

describe('SettingsForm', () => {
  it('renders one labelled field per setting, pre-filled by the preset', () => {
    const html = renderToStaticMarkup(
      <SettingsForm
        processor={processor}
        presetSettings={web}
        changes={{}}
        errors={{}}
        onChange={() => {}}
      />,
    );
    assert.match(
      html,
      /<label for="setting-quality">quality<\/label><input id="setting-quality"[^>]*type="number"[^>]*min="1"[^>]*max="100"[^>]*value="80"/,
    );
    assert.match(html, /<select id="setting-format"[^>]*>.*<option value="webp" selected="">webp<\/option>/);
    assert.match(html, /<input id="setting-withoutEnlargement"[^>]*type="checkbox"[^>]*checked=""/);
    assert.match(html, /<small id="setting-quality-help">Lossy quality/);
    assert.doesNotMatch(html, /aria-invalid/);
  });

  it('marks a wrong field invalid and announces why, tied to the field', () => {
    const html = renderToStaticMarkup(
      <SettingsForm
        processor={processor}
        presetSettings={web}
        changes={{ quality: 0 }}
        errors={{ quality: 'must be >= 1' }}
        onChange={() => {}}
      />,
    );
    assert.match(
      html,
      /<input id="setting-quality" aria-describedby="setting-quality-help setting-quality-error" aria-invalid="true"[^>]*value="0"/,
    );
    assert.match(
      html,
      /<small id="setting-quality-error" class="error" role="alert">must be &gt;= 1<\/small>/,
    );
  });
});

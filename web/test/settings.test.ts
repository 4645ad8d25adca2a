import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { pdfSanitizeProcessor } from '../../src/processors/pdf-sanitize/descriptor.js';
import { describeSettings, fieldsOf, parseInput, settingsErrors, withChange } from '../src/settings.js';

// The image processor's own schema, as GET /api/processors serves it.
const schema = JSON.parse(JSON.stringify(imageProcessor.settingsSchema));
const web = imageProcessor.presets.find((p) => p.name === 'web')!.settings;

describe('the settings form', () => {
  it('makes a field of each property: choices, whole numbers with bounds, switches', () => {
    const fields = new Map(fieldsOf(schema).map((f) => [f.name, f]));
    assert.deepEqual(fields.get('format')!.options, ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif', 'keep']);
    assert.equal(fields.get('format')!.kind, 'choice');
    assert.deepEqual(
      [fields.get('quality')!.kind, fields.get('quality')!.minimum, fields.get('quality')!.maximum],
      ['integer', 1, 100],
    );
    assert.equal(fields.get('withoutEnlargement')!.kind, 'boolean');
    assert.match(fields.get('quality')!.description, /Lossy quality/);
  });

  it('reads inputs as values, an empty box as not set', () => {
    const quality = fieldsOf(schema).find((f) => f.name === 'quality')!;
    assert.equal(parseInput(quality, '70'), 70);
    assert.equal(parseInput(quality, ' '), undefined);
  });

  it('keeps only what differs from the preset, and an emptied box goes back to it', () => {
    let changes = withChange({}, 'quality', 70, web);
    changes = withChange(changes, 'format', 'webp', web);
    assert.deepEqual(changes, { quality: 70 }, 'webp is what the preset says already');
    assert.deepEqual(withChange(changes, 'quality', undefined, web), {});
    assert.equal(describeSettings('web', changes), 'web, with quality 70');
    assert.equal(describeSettings('web', {}), 'web');
  });

  it('makes a password box of a write-only text setting, takes it as typed and never spells it out', () => {
    const pdfSchema = JSON.parse(JSON.stringify(pdfSanitizeProcessor.settingsSchema));
    const password = fieldsOf(pdfSchema).find((f) => f.name === 'password')!;
    assert.equal(password.kind, 'secret');
    assert.equal(parseInput(password, ' two words '), ' two words ', 'spaces are part of a password');
    assert.equal(parseInput(password, ''), undefined);
    assert.equal(
      describeSettings('strict', { password: 'hunter2' }, ['password']),
      'strict, with password set',
    );
  });

  it('names each wrong field with the validator the server uses, in plain words', () => {
    assert.deepEqual(settingsErrors(schema, { ...web }), {});
    const errors = settingsErrors(schema, { ...web, quality: 0, format: 'bmp' });
    assert.equal(errors.quality, 'Between 1 and 100');
    assert.equal(errors.format, 'One of: jpeg, png, webp, avif, tiff, gif, keep');
  });
});

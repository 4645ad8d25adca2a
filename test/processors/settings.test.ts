/** Settings resolution: a preset, overridden by the client, validated with the field named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { imageProcessor } from '../../src/processors/image/descriptor.js';
import { resolveSettings } from '../../src/processors/settings.js';

function invalid(overrides: unknown, message: RegExp | string, fields?: string[]): void {
  assert.throws(
    () => resolveSettings(imageProcessor, undefined, overrides),
    (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'INVALID_SETTINGS');
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      if (fields) {
        const errors = error.details?.errors as Array<{ field: string }>;
        assert.deepEqual(
          errors.map((e) => e.field),
          fields,
        );
      }
      return true;
    },
  );
}

describe('resolveSettings', () => {
  it('uses the default preset when none is named', () => {
    const { preset, settings } = resolveSettings(imageProcessor, undefined, undefined);
    assert.equal(preset, 'web');
    assert.equal(settings.format, 'webp');
    assert.equal(settings.width, 2048);
  });

  it('overrides the preset field by field', () => {
    const { preset, settings } = resolveSettings(imageProcessor, 'thumbnail', {
      quality: 50,
      format: 'avif',
    });
    assert.equal(preset, 'thumbnail');
    assert.deepEqual(settings, {
      format: 'avif',
      quality: 50,
      width: 320,
      height: 320,
      fit: 'cover',
      withoutEnlargement: false,
      autoRotate: true,
      stripMetadata: true,
    });
  });

  it('refuses an unknown preset, listing the known ones', () => {
    assert.throws(
      () => resolveSettings(imageProcessor, 'huge', {}),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'UNKNOWN_PRESET' &&
        /web, thumbnail, archive/.test(error.message),
    );
  });

  it('names a value out of range', () => {
    invalid({ quality: 101 }, 'settings.quality must be <= 100.', ['quality']);
    invalid({ width: 0 }, 'settings.width must be >= 1.', ['width']);
  });

  it('names a field of the wrong type or outside its choices', () => {
    invalid({ quality: 'high' }, /^settings\.quality must be integer/, ['quality']);
    invalid({ format: 'bmp' }, 'settings.format must be one of: jpeg, png, webp, avif, tiff, gif, keep.', [
      'format',
    ]);
  });

  it('names an unknown field', () => {
    invalid({ colour: 'red' }, 'settings.colour is not a known setting.', ['colour']);
  });

  it('reports several problems at once', () => {
    invalid(
      { quality: 0, colour: 'red' },
      'settings.colour is not a known setting; settings.quality must be >= 1.',
      ['colour', 'quality'],
    );
  });

  it('refuses overrides that are not a plain object', () => {
    for (const bad of [[], 'webp', 5, true, new Date()]) invalid(bad, 'settings must be a JSON object.');
  });

  it('validates every preset of the image processor against its own schema', () => {
    for (const preset of imageProcessor.presets) {
      assert.equal(resolveSettings(imageProcessor, preset.name, {}).preset, preset.name);
    }
  });
});

describe('image outputName', () => {
  const name = (input: string, type: string | null, format: string) =>
    imageProcessor.outputName(input, type, { format });

  it("replaces the extension with the output format's", () => {
    assert.equal(name('trip/day1/a.JPG', 'image/jpeg', 'webp'), 'trip/day1/a.webp');
    assert.equal(name('a.png', 'image/png', 'jpeg'), 'a.jpg');
    assert.equal(name('scan', 'image/tiff', 'avif'), 'scan.avif');
  });

  it('with keep, names the output by the input content type', () => {
    assert.equal(name('photo.jpeg', 'image/jpeg', 'keep'), 'photo.jpg');
    assert.equal(name('pic.bin', 'image/gif', 'keep'), 'pic.gif');
    assert.equal(name('unknown.dat', null, 'keep'), 'unknown.dat');
  });
});

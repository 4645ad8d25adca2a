/**
 * The registry: built-in processors, test processors added through FILEMILL_TEST_PROCESSORS,
 * and the upload-time content sniffing.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { WRITE_ONLY_SETTINGS } from '../../src/core/views.js';
import { sniffContentType } from '../../src/processors/sniff.js';

// Read by the registry when it loads, so set before the dynamic import below.
process.env.FILEMILL_TEST_PROCESSORS = fileURLToPath(
  new URL('../fixtures/test-processors.ts', import.meta.url),
);
const { getProcessor, listProcessors } = await import('../../src/processors/registry.js');

describe('registry', () => {
  it('lists the image processor first, then the test processors', () => {
    const names = listProcessors().map((p) => p.name);
    assert.equal(names[0], 'image');
    for (const name of ['copy', 'sleep', 'crash', 'crash-once', 'hog', 'spin', 'read-outside', 'fail']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('finds a processor by name, and nothing for an unknown one', () => {
    assert.equal(getProcessor('image')?.defaultPreset, 'web');
    assert.deepEqual(getProcessor('image')?.accepts, [
      'image/jpeg',
      'image/png',
      'image/webp',
      'image/avif',
      'image/tiff',
      'image/gif',
    ]);
    assert.equal(getProcessor('nope'), undefined);
  });

  it('lists every write-only setting of a built-in processor where the views leave it out', () => {
    let seen = 0;
    for (const name of ['image', 'pdf-sanitize']) {
      const properties = (getProcessor(name)!.settingsSchema as { properties: Record<string, any> })
        .properties;
      for (const [key, schema] of Object.entries(properties)) {
        if (schema.writeOnly !== true) continue;
        seen++;
        assert.ok(WRITE_ONLY_SETTINGS.includes(key), `${name}'s "${key}" is hidden by publicSettings()`);
      }
    }
    assert.ok(seen > 0, "pdf-sanitize's password is one");
  });
});

describe('sniffContentType', () => {
  it('recognises images by their bytes', async () => {
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    const avif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .avif()
      .toBuffer();
    assert.equal(await sniffContentType(jpeg.subarray(0, 4100)), 'image/jpeg');
    assert.equal(await sniffContentType(avif.subarray(0, 4100)), 'image/avif');
  });

  it('returns null for text, nothing, and a damaged header', async () => {
    assert.equal(await sniffContentType(new TextEncoder().encode('hello, world')), null);
    assert.equal(await sniffContentType(new Uint8Array()), null);
    assert.equal(await sniffContentType(Uint8Array.from([0xff, 0xd8])), null);
  });
});

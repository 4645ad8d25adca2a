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
const { createRegistry } = await import('../../src/processors/registry.js');
const registry = createRegistry();

describe('registry', () => {
  it('lists the image processor first, then the test processors', () => {
    const names = registry.list().map((p) => p.name);
    assert.equal(names[0], 'image');
    for (const name of ['copy', 'sleep', 'crash', 'crash-once', 'hog', 'spin', 'read-outside', 'fail']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('finds a processor by name, and nothing for an unknown one', () => {
    assert.equal(registry.get('image')?.defaultPreset, 'web');
    assert.deepEqual(registry.get('image')?.accepts, [
      'image/jpeg',
      'image/png',
      'image/webp',
      'image/avif',
      'image/tiff',
      'image/gif',
    ]);
    assert.equal(registry.get('nope'), undefined);
  });

  it('lists every write-only setting of a built-in processor where the views leave it out', () => {
    let seen = 0;
    for (const name of ['image', 'pdf-sanitize', 'doc-analyze']) {
      const properties = (registry.get(name)!.settingsSchema as { properties: Record<string, any> })
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
  const encode = (text: string) => new TextEncoder().encode(text);

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

  it('takes a PDF whose header follows other bytes within the first KiB, as readers do', async () => {
    const pdf = encode('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n');
    const junk = (bytes: number) => encode(`${'MAILER JUNK '.repeat(bytes / 12)}\r\n`);
    assert.equal(await sniffContentType(pdf), 'application/pdf');
    assert.equal(await sniffContentType(new Uint8Array([...junk(240), ...pdf])), 'application/pdf');
    assert.equal(await sniffContentType(new Uint8Array([...junk(1020), ...pdf])), 'text/plain', 'past 1 KiB');
    assert.equal(await sniffContentType(encode('The header is %PDF-1.4, as the spec says.')), 'text/plain');
  });

  it('returns null for nothing, a damaged header and binary bytes of no known format', async () => {
    assert.equal(await sniffContentType(new Uint8Array()), null);
    assert.equal(await sniffContentType(Uint8Array.from([0xff, 0xd8])), null);
    assert.equal(await sniffContentType(Uint8Array.from([0x41, 0x00, 0x42, 0x43])), null, 'a NUL byte');
    assert.equal(await sniffContentType(Uint8Array.from([0x61, 0xc3, 0x28, 0x62, 0x63, 0x64, 0x65])), null);
  });

  it('tells UTF-8 text from HTML, even when the head ends inside a character', async () => {
    assert.equal(await sniffContentType(encode('hello, world\n# A heading\tand a tab')), 'text/plain');
    assert.equal(await sniffContentType(encode('\uFEFFÉté à Paris — 東京')), 'text/plain');
    const cut = encode(`${'a'.repeat(4098)}東`).subarray(0, 4100);
    assert.equal(await sniffContentType(cut), 'text/plain');
    assert.equal(await sniffContentType(encode('<!DOCTYPE html><html><title>x</title>')), 'text/html');
    assert.equal(await sniffContentType(encode('  <!-- generated -->\n<html lang="en">')), 'text/html');
    assert.equal(await sniffContentType(encode('<p>a fragment is text</p>')), 'text/plain');
  });

  it('names an SVG drawing as one, with or without its XML declaration', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>';
    assert.equal(await sniffContentType(encode(svg)), 'image/svg+xml');
    const declared = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- Inkscape -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n${svg}`;
    assert.equal(await sniffContentType(encode(declared)), 'image/svg+xml');
    assert.equal(await sniffContentType(encode('<?xml version="1.0"?><feed/>')), 'application/xml');
  });
});

/**
 * The registry: built-in processors, test processors added through FILEMILL_TEST_PROCESSORS,
 * and the upload-time content sniffing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import yazl from 'yazl';
import { WRITE_ONLY_SETTINGS } from '../../src/core/views.js';
import { SNIFF_BYTES, sniffContentType } from '../../src/processors/sniff.js';
import { firstIfdOffset, sharpTiff, tiffcpCopy, tiffcpMissing } from '../support/tiff.js';

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

  describe('past the head, in the stored file', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'filemill-sniff-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    /** The head as the upload keeps it, and the whole file stored as `name`. */
    async function stored(name: string, data: Buffer): Promise<[Uint8Array, string]> {
      const path = join(dir, name);
      await writeFile(path, data);
      return [data.subarray(0, SNIFF_BYTES), path];
    }

    it('recognises a TIFF written by libvips, whose image directory follows the pixels', async () => {
      const tiff = await sharpTiff();
      assert.ok(firstIfdOffset(tiff) > SNIFF_BYTES, 'the fixture has its directory past the head');
      const [head, path] = await stored('vips.tif', tiff);
      assert.equal(await sniffContentType(head), null, 'the head alone cannot tell');
      assert.equal(await sniffContentType(head, path), 'image/tiff');
    });

    it('recognises a TIFF re-written by libtiff (tiffcp)', async (t) => {
      const missing = tiffcpMissing();
      if (missing) return t.skip(missing);
      const tiff = await tiffcpCopy(await sharpTiff(320, 240));
      assert.ok(firstIfdOffset(tiff) > SNIFF_BYTES, 'the fixture has its directory past the head');
      const [head, path] = await stored('libtiff.tif', tiff);
      assert.equal(await sniffContentType(head, path), 'image/tiff');
    });

    it('names a Word document whose [Content_Types].xml comes after a large entry', async () => {
      const zip = new yazl.ZipFile();
      zip.addBuffer(randomBytes(3 * SNIFF_BYTES), 'word/media/image1.png', { compress: false });
      const types =
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
      zip.addBuffer(Buffer.from(types), '[Content_Types].xml');
      zip.addBuffer(Buffer.from('<w:document/>'), 'word/document.xml');
      zip.end();
      const chunks: Buffer[] = [];
      for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
      const [head, path] = await stored('late.docx', Buffer.concat(chunks));
      assert.equal(await sniffContentType(head), 'application/zip', 'the head alone sees a ZIP');
      assert.equal(
        await sniffContentType(head, path),
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
    });

    it('keeps the head for text, and for binary bytes the whole file does not name either', async () => {
      const text = Buffer.from('plain words, line after line\n'.repeat(400));
      const [textHead, textPath] = await stored('notes.txt', text);
      assert.equal(await sniffContentType(textHead, textPath), 'text/plain');
      const [noise, noisePath] = await stored(
        'noise.bin',
        Buffer.concat([Buffer.from([0, 1, 2]), randomBytes(9000)]),
      );
      assert.equal(await sniffContentType(noise, noisePath), null);
      // A TIFF header whose directory lies past the end of the file is no TIFF.
      const cut = await sharpTiff();
      const [cutHead, cutPath] = await stored('cut.tif', cut.subarray(0, firstIfdOffset(cut) - 10));
      assert.equal(await sniffContentType(cutHead, cutPath), null);
    });
  });
});

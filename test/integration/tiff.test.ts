/**
 * TIFFs as libvips and libtiff write them (the image file directory after the pixels, past
 * the sniffed head) are uploaded, recognised and converted by the image processor, end to
 * end through the HTTP API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { SNIFF_BYTES } from '../../src/processors/sniff.js';
import { firstIfdOffset, sharpTiff, tiffcpCopy, tiffcpMissing } from '../support/tiff.js';
import { allFiles, startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';
import { readZip } from './support/zip.js';

describe('TIFF uploads', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** Converts `tiff` with the `web` preset; returns the file's row and its output's metadata. */
  async function convert(name: string, tiff: Buffer) {
    assert.ok(firstIfdOffset(tiff) > SNIFF_BYTES, `${name} has its directory past the head`);
    const { status, body } = await submit(server.url, [{ name, data: tiff }], {
      processor: 'image',
      preset: 'web',
    });
    assert.equal(status, 202);
    const batch = await waitForBatch(server.url, body.id);
    const [row] = await allFiles(server.url, body.id);
    assert.equal(batch.status, 'completed', JSON.stringify(row));
    const zip = await readZip(
      Buffer.from(await (await fetch(`${server.url}${body.resultsUrl}`)).arrayBuffer()),
    );
    const output = zip.get(row.outputName);
    assert.ok(output, `${row.outputName} is in the ZIP`);
    return { row, meta: await sharp(output).metadata() };
  }

  it('converts a TIFF written by libvips (sharp)', async () => {
    const { row, meta } = await convert('scan.tif', await sharpTiff(300, 200));
    assert.equal(row.contentType, 'image/tiff');
    assert.equal(row.status, 'succeeded');
    assert.equal(row.outputName, 'scan.webp');
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 300, 200]);
  });

  it('converts a TIFF re-written by libtiff (tiffcp)', async (t) => {
    const missing = tiffcpMissing();
    if (missing) return t.skip(missing);
    const { row, meta } = await convert('copied.tiff', await tiffcpCopy(await sharpTiff(320, 240)));
    assert.equal(row.contentType, 'image/tiff');
    assert.equal(row.status, 'succeeded');
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 240]);
  });
});

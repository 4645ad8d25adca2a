/**
 * The engine end to end for image batches: a real server on a random port, real images
 * made by sharp, the public HTTP API only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  allFiles,
  getJson,
  listTree,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';
import { bombPng, photoJpeg, tinyPdf, truncatedJpeg } from './support/images.js';
import { readZip } from './support/zip.js';

describe('image batches', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxInputPixels: 10_000_000 });
  });
  after(() => server.close());

  it('converts a folder of photos, keeping the folder layout in the ZIP and the reports', async () => {
    const files = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => ({
        name: `trip/day${i < 5 ? 1 : 2}/IMG_${i}.jpg`,
        data: await photoJpeg(600 + i * 10, 400, i + 1),
      })),
    );
    const { status, body } = await submit(server.url, files, { processor: 'image', preset: 'web' });
    assert.equal(status, 202);
    assert.match(body.id, /^b_/);
    assert.equal(body.totalFiles, 10);
    assert.equal(typeof body.token, 'string');
    assert.equal(body.resultsUrl, `/api/batches/${body.id}/results.zip`);

    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.counts, {
      queued: 0,
      running: 0,
      retrying: 0,
      succeeded: 10,
      failed: 0,
      cancelled: 0,
    });
    assert.equal(batch.progress, 100);
    assert.equal(batch.preset, 'web');
    assert.ok(batch.outputBytes > 0 && batch.outputBytes < batch.inputBytes);

    const rows = await allFiles(server.url, body.id);
    assert.deepEqual(
      rows.map((f) => f.outputName),
      files.map((f) => f.name.replace('.jpg', '.webp')),
    );
    for (const row of rows) {
      assert.equal(row.status, 'succeeded');
      assert.equal(row.attempts, 1);
      assert.equal(row.contentType, 'image/jpeg');
      assert.ok(row.durationMs >= 0);
    }

    const zip = await readZip(
      Buffer.from(await (await fetch(`${server.url}${body.resultsUrl}`)).arrayBuffer()),
    );
    assert.deepEqual(
      [...zip.keys()].sort(),
      [...files.map((f) => f.name.replace('.jpg', '.webp')), 'report.json'].sort(),
    );
    const meta = await sharp(zip.get('trip/day1/IMG_0.webp')!).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 600);
    const report = JSON.parse(zip.get('report.json')!.toString());
    assert.equal(report.summary.succeeded, 10);
    assert.ok(report.summary.sizeReduction > 0);

    const csv = await (await fetch(`${server.url}/api/batches/${body.id}/report.csv`)).text();
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines.length, 11);
    assert.match(lines[0]!, /^index,name,status/);

    const one = await fetch(`${server.url}/api/batches/${body.id}/files/3/output`);
    assert.equal(one.status, 200);
    assert.equal(one.headers.get('content-type'), 'image/webp');
    assert.match(one.headers.get('content-disposition')!, /filename="IMG_3\.webp"/);
    assert.equal(one.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  });

  it('keeps the batch going when files are corrupt, of the wrong type or decompression bombs', async () => {
    const files = [
      { name: 'good.jpg', data: await photoJpeg(300, 200) },
      { name: 'broken.jpg', data: await truncatedJpeg() },
      { name: 'not-an-image.jpg', data: 'just some text, not a JPEG at all' },
      { name: 'paper.pdf', data: tinyPdf() },
      { name: 'bomb.png', data: await bombPng(4000, 4000) },
      {
        name: 'also-good.png',
        data: await sharp({ create: { width: 64, height: 64, channels: 4, background: '#f008' } })
          .png()
          .toBuffer(),
      },
    ];
    const { status, body } = await submit(server.url, files, { processor: 'image', preset: 'thumbnail' });
    assert.equal(status, 202);
    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'completed_with_errors');
    assert.equal(batch.counts.succeeded, 2);
    assert.equal(batch.counts.failed, 4);

    const byName = new Map((await allFiles(server.url, body.id)).map((f) => [f.name, f]));
    assert.equal(byName.get('good.jpg').status, 'succeeded');
    assert.equal(byName.get('also-good.png').status, 'succeeded');
    assert.equal(byName.get('broken.jpg').error.code, 'CORRUPT_INPUT');
    // Text is recognised as text, whatever its name claims.
    assert.equal(byName.get('not-an-image.jpg').error.code, 'UNSUPPORTED_TYPE');
    assert.equal(byName.get('not-an-image.jpg').contentType, 'text/plain');
    assert.equal(byName.get('paper.pdf').error.code, 'UNSUPPORTED_TYPE');
    assert.equal(byName.get('paper.pdf').contentType, 'application/pdf');
    assert.equal(byName.get('bomb.png').error.code, 'TOO_MANY_PIXELS');
    for (const f of byName.values()) {
      if (f.error)
        assert.doesNotMatch(
          f.error.message,
          /\/tmp\/|\/work\/|filemill-test-/,
          'no server path in a message',
        );
    }
    const report = (await getJson(`${server.url}/api/batches/${body.id}/report.json`)).body;
    assert.deepEqual(report.summary.errorsByCode, {
      CORRUPT_INPUT: 1,
      UNSUPPORTED_TYPE: 2,
      TOO_MANY_PIXELS: 1,
    });
  });

  it('never lets a client file name reach the filesystem', async () => {
    const data = await photoJpeg(120, 80);
    const names = [
      '../../../../etc/evil.jpg',
      '/abs/root.jpg',
      'C:\\win\\..\\x.jpg',
      'ctl\u0001\u001f.jpg',
      'same.jpg',
      'SAME.jpg',
    ];
    const { status, body } = await submit(
      server.url,
      names.map((name) => ({ name, data })),
      { processor: 'image', preset: 'thumbnail' },
    );
    assert.equal(status, 202);
    await waitForBatch(server.url, body.id);
    const rows = await allFiles(server.url, body.id);
    assert.deepEqual(
      rows.map((f) => f.name),
      ['etc/evil.jpg', 'abs/root.jpg', 'win/x.jpg', 'ctl.jpg', 'same.jpg', 'SAME (2).jpg'],
    );
    // Stored under keys of ours only.
    const stored = await listTree(server.dataDir);
    assert.ok(
      stored.every(
        (p) =>
          p === 'filemill.db' ||
          p.startsWith('filemill.db-') ||
          p === 'space-reserve' ||
          /^blobs\/b_[a-z0-9]+\/(in|out)\/\d+$/.test(p),
      ),
      stored.join('\n'),
    );
    const zip = await readZip(
      Buffer.from(await (await fetch(`${server.url}${body.resultsUrl}`)).arrayBuffer()),
    );
    for (const entry of zip.keys()) assert.ok(!entry.startsWith('/') && !entry.includes('..'), entry);
  });

  it('answers a missing batch, file or output with NOT_FOUND in the error shape', async () => {
    const missing = await getJson(`${server.url}/api/batches/b_0000000000000000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    const route = await getJson(`${server.url}/api/nothing-here`);
    assert.equal(route.status, 404);
    assert.equal(route.body.error.code, 'NOT_FOUND');
  });

  it('lists batches newest first, a page at a time', async () => {
    const first = await getJson(`${server.url}/api/batches?limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await getJson(
      `${server.url}/api/batches?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    assert.ok(second.body.items.length >= 1);
    const ids = [...first.body.items, ...second.body.items].map((b: any) => b.id);
    assert.deepEqual(ids, [...ids].sort().reverse());
  });

  it('describes its processors and its API', async () => {
    const processors = (await getJson(`${server.url}/api/processors`)).body;
    const image = processors.find((p: any) => p.name === 'image');
    assert.deepEqual(image.presets.map((p: any) => p.name).sort(), ['archive', 'thumbnail', 'web']);
    assert.equal(image.settingsSchema.type, 'object');
    const openapi = (await getJson(`${server.url}/api/openapi.json`)).body;
    assert.ok(openapi.openapi.startsWith('3.'));
    assert.ok(openapi.paths['/api/batches/{id}/results.zip']);
    assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
    const limits = (await getJson(`${server.url}/api/limits`)).body;
    assert.deepEqual(limits, { maxFiles: 100, maxFileBytes: 50 * 1024 * 1024, maxBatchBytes: 1024 ** 3 });
    const ready = await getJson(`${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.store, 'ok');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(
      metrics,
      /filemill_files_finished_total\{processor="image",status="succeeded",code=""\} \d+/,
    );
    assert.match(metrics, /filemill_batches_submitted_total\{processor="image"\} \d+/);
  });
});

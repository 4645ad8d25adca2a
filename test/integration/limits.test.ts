/**
 * Refusals: every limit and every bad field is refused with its code, and a refused request
 * leaves nothing behind — no batch row, no stored byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { getJson, listTree, startTestServer, submit, type TestServer } from './support/server.js';
import { photoJpeg } from './support/images.js';

describe('refused requests', () => {
  let server: TestServer;
  let jpeg: Buffer;
  before(async () => {
    server = await startTestServer({ maxFilesPerBatch: 3, maxFileBytes: 200_000, maxBatchBytes: 500_000 });
    jpeg = await photoJpeg(200, 150);
  });
  after(() => server.close());

  async function assertNothingLeft(): Promise<void> {
    const list = await getJson(`${server.url}/api/batches`);
    assert.deepEqual(list.body.items, [], 'no batch row');
    const blobs = (await listTree(server.dataDir)).filter((p) => p.startsWith('blobs/'));
    assert.deepEqual(blobs, [], 'no stored file');
  }

  const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string]> = [
    ['an empty batch', () => submit(server.url, [], { processor: 'image' }), 400, 'NO_FILES'],
    [
      'an unknown processor',
      () => submit(server.url, [{ name: 'a.jpg', data: jpeg }], { processor: 'nope' }),
      400,
      'UNKNOWN_PROCESSOR',
    ],
    [
      'a missing processor',
      () => submit(server.url, [{ name: 'a.jpg', data: jpeg }]),
      400,
      'UNKNOWN_PROCESSOR',
    ],
    [
      'an unknown preset',
      () => submit(server.url, [{ name: 'a.jpg', data: jpeg }], { processor: 'image', preset: 'huge' }),
      400,
      'UNKNOWN_PRESET',
    ],
    [
      'settings that break the schema',
      () =>
        submit(server.url, [{ name: 'a.jpg', data: jpeg }], {
          processor: 'image',
          settings: '{"quality": 1000}',
        }),
      400,
      'INVALID_SETTINGS',
    ],
    [
      'settings with an unknown field',
      () =>
        submit(server.url, [{ name: 'a.jpg', data: jpeg }], {
          processor: 'image',
          settings: '{"sharpen": true}',
        }),
      400,
      'INVALID_SETTINGS',
    ],
    [
      'settings that are not JSON',
      () => submit(server.url, [{ name: 'a.jpg', data: jpeg }], { processor: 'image', settings: '{' }),
      400,
      'INVALID_SETTINGS',
    ],
    [
      'more files than the limit',
      () =>
        submit(
          server.url,
          Array.from({ length: 4 }, (_, i) => ({ name: `${i}.jpg`, data: jpeg })),
          { processor: 'image' },
        ),
      413,
      'TOO_MANY_FILES',
    ],
    [
      'a file over the per-file limit',
      () =>
        submit(
          server.url,
          [
            { name: 'a.jpg', data: jpeg },
            { name: 'big.bin', data: Buffer.alloc(200_001) },
          ],
          { processor: 'image' },
        ),
      413,
      'FILE_TOO_LARGE',
    ],
    [
      'files over the per-batch limit together',
      () =>
        submit(
          server.url,
          [0, 1, 2].map((i) => ({ name: `${i}.bin`, data: Buffer.alloc(190_000, i) })),
          { processor: 'image' },
        ),
      413,
      'BATCH_TOO_LARGE',
    ],
  ];

  for (const [what, send, status, code] of cases) {
    it(`refuses ${what} with ${status} ${code} and keeps nothing`, async () => {
      const response = await send();
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code);
      assert.equal(typeof response.body.error.message, 'string');
      assert.ok(response.body.error.message.length > 10);
      await assertNothingLeft();
    });
  }

  it('names the bad field in INVALID_SETTINGS', async () => {
    const response = await submit(server.url, [{ name: 'a.jpg', data: jpeg }], {
      processor: 'image',
      settings: '{"quality": 1000}',
    });
    assert.match(response.body.error.message, /quality/);
  });

  it('refuses a declared Content-Length over the batch limit before reading the body', async () => {
    const { status, body } = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        `${server.url}/api/batches`,
        {
          method: 'POST',
          headers: {
            'content-type': 'multipart/form-data; boundary=x',
            'content-length': String(10 * 1024 * 1024 * 1024),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write('--x\r\n'); // and never the rest: the answer must not wait for it
    });
    assert.equal(status, 413);
    assert.equal(body.error.code, 'BATCH_TOO_LARGE');
    await assertNothingLeft();
  });

  it('refuses a body that is not multipart with 415', async () => {
    const response = await fetch(`${server.url}/api/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"files": []}',
    });
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as any).error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

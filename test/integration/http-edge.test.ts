/**
 * The HTTP edge: what the framework and Node's parser refuse (an address or headers too large,
 * a body of the wrong type or size, a malformed multipart, a bad parameter) answers in the
 * API's error envelope with our codes, without echoing the URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { ApiClient, type CliError } from '../../src/cli/api-client.js';
import { uploadBatch } from '../../src/cli/upload.js';
import { form, startTestServer, submit, type TestServer } from './support/server.js';
import { photoJpeg } from './support/images.js';
import { rawRequest } from './support/raw-http.js';

const MISSING_ID = 'b_00000000000000000000000000';

describe('errors at the HTTP edge', () => {
  let server: TestServer;
  let jpeg: Buffer;
  let batchId: string;
  before(async () => {
    server = await startTestServer({ concurrency: 1 });
    jpeg = await photoJpeg(64, 48);
    const accepted = await submit(server.url, [{ name: 'a.jpg', data: jpeg }], { processor: 'image' });
    assert.equal(accepted.status, 202);
    batchId = accepted.body.id;
  });
  after(() => server.close());

  async function expectError(
    response: Response | Promise<Response>,
    status: number,
    code: string,
  ): Promise<{ code: string; message: string }> {
    const answer = await response;
    const body = (await answer.json()) as { error: { code: string; message: string } };
    assert.equal(answer.status, status, JSON.stringify(body));
    assert.equal(body.error.code, code);
    assert.match(body.error.message, /^[A-Z].+\.$/);
    return body.error;
  }

  it('answers a path parameter over the router limit with 414 URI_TOO_LONG, not echoing it', async () => {
    const id = `b_${'x'.repeat(300)}`;
    const error = await expectError(fetch(`${server.url}/api/batches/${id}`), 414, 'URI_TOO_LONG');
    assert.ok(!error.message.includes('xxxx'));
  });

  it('answers an address over 8 KiB with 414 URI_TOO_LONG, whether the parser takes it or not', async () => {
    for (const length of [10_000, 20_000]) {
      const { host } = new URL(server.url);
      const answer = await rawRequest(
        server.url,
        `GET /api/batches?cursor=${'y'.repeat(length)} HTTP/1.1\r\nHost: ${host}\r\nConnection: close`,
      );
      assert.equal(answer.status, 414, `${length}: ${answer.body}`);
      assert.equal(JSON.parse(answer.body).error.code, 'URI_TOO_LONG');
      assert.ok(!answer.body.includes('yyyy'));
    }
  });

  it('answers headers over the parser limit with 431 HEADERS_TOO_LARGE in the envelope', async () => {
    const { host } = new URL(server.url);
    const answer = await rawRequest(
      server.url,
      `GET /api/batches HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'z'.repeat(20_000)}\r\nConnection: close`,
    );
    assert.equal(answer.status, 431);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(JSON.parse(answer.body).error.code, 'HEADERS_TOO_LARGE');
  });

  it('answers bytes that are not HTTP with 400 INVALID_REQUEST in the envelope', async () => {
    const answer = await rawRequest(server.url, 'HELLO\u0001 there');
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body).error.code, 'INVALID_REQUEST');
  });

  for (const [type, body] of [
    ['application/x-www-form-urlencoded', 'files=1'],
    ['text/plain', '{"files":[0]}'],
  ] as const) {
    it(`answers a ${type} body where JSON is expected with 415 UNSUPPORTED_MEDIA_TYPE`, async () => {
      await expectError(
        fetch(`${server.url}/api/batches/${batchId}/retry`, {
          method: 'POST',
          headers: { 'content-type': type },
          body,
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });
  }

  it('answers a multipart body where JSON is expected with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const form = new FormData();
    form.append('files', '0');
    await expectError(
      fetch(`${server.url}/api/batches/${batchId}/retry`, { method: 'POST', body: form }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('answers a JSON body over the body limit with 413 REQUEST_TOO_LARGE', async () => {
    const files = Array.from({ length: 1_100_000 }, (_, i) => i % 10);
    assert.ok(JSON.stringify({ files }).length > 2 * 1024 * 1024 - 1);
    await expectError(
      fetch(`${server.url}/api/batches/${batchId}/retry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files }),
      }),
      413,
      'REQUEST_TOO_LARGE',
    );
  });

  it('answers a multipart body without a boundary with 400 INVALID_REQUEST', async () => {
    await expectError(
      fetch(`${server.url}/api/batches`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data' },
        body: '--x\r\nContent-Disposition: form-data; name="processor"\r\n\r\nimage\r\n--x--\r\n',
      }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('answers a malformed multipart part with 400 INVALID_REQUEST', async () => {
    await expectError(
      fetch(`${server.url}/api/batches`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: `--x\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\n${'j'.repeat(100)}--x--`,
      }),
      400,
      'INVALID_REQUEST',
    );
  });

  for (const field of ['processor', 'preset', 'settings']) {
    it(`refuses a ${field} field sent twice with 400 INVALID_REQUEST instead of taking the last`, async () => {
      const form = new FormData();
      form.append('processor', 'image');
      if (field !== 'processor') form.append(field, field === 'settings' ? '{}' : 'web');
      form.append(
        field,
        field === 'settings' ? '{"quality": 10}' : field === 'preset' ? 'thumbnail' : 'image',
      );
      form.append('files', new Blob([jpeg]), 'a.jpg');
      const error = await expectError(
        fetch(`${server.url}/api/batches`, { method: 'POST', body: form }),
        400,
        'INVALID_REQUEST',
      );
      assert.match(error.message, new RegExp(field));
    });
  }

  for (const after of ['1e400', '1.5', '-1', 'x', String(2 ** 53)]) {
    it(`refuses ?after=${after} with 400 INVALID_REQUEST rather than replaying`, async () => {
      const error = await expectError(
        fetch(`${server.url}/api/batches/${batchId}/events?after=${after}`),
        400,
        'INVALID_REQUEST',
      );
      assert.match(error.message, /after must be/);
      assert.doesNotMatch(error.message, /keyword/);
    });
  }

  for (const path of [
    '/api/batches/nope',
    '/api/batches/B_UPPER_CASE_IS_NOT_AN_ID_XX',
    '/api/batches/nope/files',
    '/api/batches/:id/files/abc/output',
    '/api/batches/:id/files/1e400/output',
    `/api/batches/${MISSING_ID}`,
  ]) {
    it(`answers ${path} with 404 NOT_FOUND`, async () => {
      await expectError(fetch(`${server.url}${path.replace(':id', batchId)}`), 404, 'NOT_FOUND');
    });
  }

  it('answers an unknown route with 404 NOT_FOUND without echoing the address', async () => {
    const error = await expectError(fetch(`${server.url}/api/nothing-here-abc`), 404, 'NOT_FOUND');
    assert.ok(!error.message.includes('nothing-here'));
  });

  it('documents the edge answers in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
    const responses = doc.paths['/api/batches/{id}/retry'].post.responses;
    for (const status of ['408', '414', '415', '431']) assert.ok(responses[status], status);
  });
});

describe('a refused upload leaves its keep-alive connection usable', () => {
  let server: TestServer;
  let jpeg: Buffer;
  /** Large enough that most of it is still unread when the refusal is sent. */
  let large: Buffer;
  before(async () => {
    server = await startTestServer({ concurrency: 1 });
    jpeg = await photoJpeg(320, 240);
    large = Buffer.concat([jpeg, Buffer.alloc(3 * 1024 * 1024, 7)]);
  });
  after(() => server.close());

  const good = () =>
    form(
      Array.from({ length: 10 }, (_, i) => ({ name: `${i}.jpg`, data: jpeg })),
      { processor: 'image' },
    );
  const refusals: Array<[string, Record<string, string>, number, string]> = [
    ['an unknown processor', { processor: 'nope' }, 400, 'UNKNOWN_PROCESSOR'],
    ['an unknown setting', { processor: 'image', settings: '{"sharpen": true}' }, 400, 'INVALID_SETTINGS'],
    ['an unknown preset', { processor: 'image', preset: 'huge' }, 400, 'UNKNOWN_PRESET'],
  ];

  for (const [what, fields, status, code] of refusals) {
    it(`answers the next request on the connection after refusing ${what}, with fetch`, async () => {
      const dispatcher = new Agent({ connections: 1 });
      try {
        for (let i = 0; i < 2; i++) {
          const refused = await fetch(`${server.url}/api/batches`, {
            method: 'POST',
            body: form([{ name: 'a.jpg', data: large }], fields),
            dispatcher,
          } as RequestInit);
          assert.equal(refused.status, status);
          assert.equal(((await refused.json()) as any).error.code, code);
        }
        const accepted = await fetch(`${server.url}/api/batches`, {
          method: 'POST',
          body: good(),
          dispatcher,
        } as RequestInit);
        assert.equal(accepted.status, 202, await accepted.clone().text());
        assert.equal(((await accepted.json()) as any).totalFiles, 10);
      } finally {
        await dispatcher.close();
      }
    });
  }

  it('answers the next upload after a refusal through the CLI client on one connection', async () => {
    const previous = getGlobalDispatcher();
    const dispatcher = new Agent({ connections: 1 });
    setGlobalDispatcher(dispatcher);
    try {
      const dir = await mkdtemp(join(tmpdir(), 'filemill-edge-'));
      const inputs = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const path = join(dir, `${i}.jpg`);
          const data = i === 0 ? large : jpeg;
          await writeFile(path, data);
          return { path, name: `${i}.jpg`, size: data.length };
        }),
      );
      const client = new ApiClient(server.url);
      await assert.rejects(
        uploadBatch(
          client,
          inputs.slice(0, 1),
          { processor: 'image', settings: '{"sharpen": true}' },
          () => {},
        ),
        (error: CliError) => error.status === 400 && /INVALID_SETTINGS/.test(error.message),
      );
      const accepted = await uploadBatch(client, inputs, { processor: 'image' }, () => {});
      assert.equal(accepted.totalFiles, 10);
      await rm(dir, { recursive: true, force: true });
    } finally {
      setGlobalDispatcher(previous);
      await dispatcher.close();
    }
  });
});

/**
 * The HTTP edge: what the framework and Node's parser refuse (an address or headers too large,
 * a body of the wrong type or size, a malformed multipart, a bad parameter) answers in the
 * API's error envelope with our codes, without echoing the URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, submit, type TestServer } from './support/server.js';
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
      await expectError(
        fetch(`${server.url}/api/batches/${batchId}/events?after=${after}`),
        400,
        'INVALID_REQUEST',
      );
    });
  }

  for (const path of [
    '/api/batches/nope',
    '/api/batches/B_UPPER_CASE_IS_NOT_AN_ID_XX',
    '/api/batches/nope/files',
    `/api/batches/${batchId}/files/abc/output`,
    `/api/batches/${batchId}/files/1e400/output`,
    `/api/batches/${MISSING_ID}`,
  ]) {
    it(`answers ${path.replace(batchId, ':id')} with 404 NOT_FOUND`, async () => {
      await expectError(fetch(`${server.url}${path}`), 404, 'NOT_FOUND');
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

/**
 * What a browser may and may not do against a real server, with no API key configured:
 * security headers on the page, the API and an output (whose own sandbox CSP stays); CORS
 * off unless origins are listed; a Host header that must name the server (DNS rebinding);
 * state changes and WebSockets from the page's own origin only (cross-site form posts).
 * Requests go through node:http, which sends the Host and Origin a test sets, as an attacker's
 * page or a rebinding DNS name would make a browser send them.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createKey } from './support/keys.js';
import {
  form,
  getJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
  type UploadFile,
} from './support/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Sent {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One request to `url` + `path` with exactly these headers (Host and Origin included). */
function send(url: string, path: string, { method = 'GET', headers = {}, body }: Sent = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request(`${url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** A multipart upload as a browser's form post sends it: the body and its Content-Type. */
async function multipart(files: UploadFile[], fields: Record<string, string> = {}) {
  const encoded = new Request('http://localhost/', { method: 'POST', body: form(files, fields) });
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    type: encoded.headers.get('content-type')!,
  };
}

/** Opens a WebSocket with this `Origin` (none: as a non-browser client); its status if refused. */
function openWs(url: string, origin?: string): Promise<{ status: number; body: string; first?: any }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin });
    socket.once('message', (data) => {
      socket.close();
      resolve({ status: 101, body: '', first: JSON.parse(String(data)) });
    });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    socket.on('error', reject);
  });
}

function assertForbidden(answer: Answer, message: RegExp): void {
  assert.equal(answer.status, 403, answer.body);
  const { error } = JSON.parse(answer.body);
  assert.equal(error.code, 'FORBIDDEN');
  assert.match(error.message, message);
}

const EVIL = 'https://evil.example';
const txt = (n: number): UploadFile[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${i}.txt`, data: 'x' }));

describe('browser safety with no keys, on loopback', () => {
  let server: TestServer;
  let own: string;
  before(async () => {
    server = await startTestServer({ concurrency: 1 });
    own = server.url;
  });
  after(() => server.close());

  it('puts the security headers on the page and on API answers', async () => {
    for (const path of ['/', '/batches', '/api/batches', '/api/nothing']) {
      const answer = await send(own, path);
      const csp = String(answer.headers['content-security-policy']);
      assert.match(csp, /(^|;\s*)default-src 'self'(;|$)/, path);
      assert.match(csp, /(^|;\s*)script-src 'self'(;|$)/, path);
      assert.match(csp, /(^|;\s*)connect-src 'self'(;|$)/, path);
      assert.match(csp, /(^|;\s*)frame-ancestors 'none'(;|$)/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|upgrade-insecure-requests/, path);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', path);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(answer.headers['x-frame-options'], 'DENY', path);
      assert.equal(answer.headers['strict-transport-security'], undefined, path);
      assert.equal(answer.headers['cross-origin-opener-policy'], 'same-origin', path);
    }
  });

  it('leaves out Cross-Origin-Opener-Policy where browsers ignore it (plain HTTP at a network address)', async () => {
    const atAddress = await send(own, '/', { headers: { host: '192.0.2.7:8080' } });
    assert.equal(atAddress.status, 200);
    assert.equal(atAddress.headers['cross-origin-opener-policy'], undefined);
    const atLocalhost = await send(own, '/', { headers: { host: 'app.localhost:8080' } });
    assert.equal(atLocalhost.headers['cross-origin-opener-policy'], 'same-origin');
  });

  it('serves a page with no inline script, style or handler, which the CSP would block', async () => {
    const page = await send(own, '/');
    assert.equal(page.status, 200);
    assert.equal(page.body, await readFile(new URL('../../dist/web/index.html', import.meta.url), 'utf8'));
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, content] of scripts) {
      assert.match(attributes!, /\bsrc="\/assets\//);
      assert.equal(content!.trim(), '');
    }
    assert.doesNotMatch(page.body, /<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it("keeps an output's own sandbox CSP, with the other headers", async () => {
    const { body } = await submit(own, [{ name: 'page.html', data: '<script>alert(1)</script>' }], {
      processor: 'copy',
    });
    await waitForBatch(own, body.id);
    const output = await send(own, `/api/batches/${body.id}/files/0/output`);
    assert.equal(output.status, 200);
    assert.equal(output.headers['content-security-policy'], "default-src 'none'; sandbox");
    assert.equal(output.headers['x-content-type-options'], 'nosniff');
    assert.equal(output.headers['referrer-policy'], 'no-referrer');
  });

  it('gives no CORS to any origin: no preflight, no Access-Control-Allow-Origin', async () => {
    const preflight = await send(own, '/api/batches', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 404);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    const read = await send(own, '/api/batches', { headers: { origin: 'https://app.example.com' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers['access-control-allow-origin'], undefined);
  });

  it('refuses a Host header that does not name the server, and answers loopback names on any port', async () => {
    for (const host of [
      'evil.example',
      'evil.example:80',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
    ]) {
      const answer = await send(own, '/api/batches', { headers: { host } });
      assertForbidden(
        answer,
        /^The Host header ".+" is not one this server answers to; set FILEMILL_ALLOWED_HOSTS/,
      );
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    }
    assertForbidden(await send(own, '/', { headers: { host: 'evil.example' } }), /Host header/);
    for (const host of [
      'localhost',
      'localhost:1234',
      '127.0.0.1:9',
      '[::1]:8080',
      'LOCALHOST.',
      'app.localhost',
    ]) {
      const answer = await send(own, '/api/batches', { headers: { host } });
      assert.equal(answer.status, 200, host);
    }
  });

  it('answers health checks whatever the Host, but not the metrics', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const answer = await send(own, path, { headers: { host: 'node-3.internal' } });
      assert.equal(answer.status, 200, path);
    }
    assertForbidden(await send(own, '/metrics', { headers: { host: 'node-3.internal' } }), /Host header/);
  });

  it('refuses a cross-site multipart upload, and creates no batch', async () => {
    const before = (await getJson(`${own}/api/batches?limit=100`)).body.items.length;
    const upload = await multipart(txt(2), { processor: 'copy' });
    const headers = { 'content-type': upload.type, origin: EVIL, 'sec-fetch-site': 'cross-site' };
    assertForbidden(
      await send(own, '/api/batches', { method: 'POST', headers, body: upload.body }),
      /^A POST request from another site's page \(Origin "https:\/\/evil\.example"\) is refused/,
    );
    // Sec-Fetch-Site alone gives the page away too (a browser that sends no Origin here).
    assertForbidden(
      await send(own, '/api/batches', {
        method: 'POST',
        headers: { 'content-type': upload.type, 'sec-fetch-site': 'cross-site' },
        body: upload.body,
      }),
      /Sec-Fetch-Site: cross-site/,
    );
    const after = (await getJson(`${own}/api/batches?limit=100`)).body.items.length;
    assert.equal(after, before);
  });

  it('refuses a cross-site text/plain cancel and delete, and the batch goes on', async () => {
    const { body } = await submit(own, txt(1), { processor: 'sleep', settings: '{"ms": 60000}' });
    const plain = { 'content-type': 'text/plain', origin: EVIL };
    for (const path of [`/api/batches/${body.id}/cancel`, `/api/batches/${body.id}/files/0/cancel`]) {
      assertForbidden(await send(own, path, { method: 'POST', headers: plain, body: 'x' }), /POST request/);
    }
    assertForbidden(
      await send(own, `/api/batches/${body.id}`, { method: 'DELETE', headers: { origin: 'null' } }),
      /A DELETE request from another site's page \(Origin "null"\)/,
    );
    const batch = (await getJson(`${own}/api/batches/${body.id}`)).body;
    assert.ok(['queued', 'running'].includes(batch.status), batch.status);
    const cancelled = await send(own, `/api/batches/${body.id}/cancel`, { method: 'POST' });
    assert.equal(cancelled.status, 200, cancelled.body);
  });

  it("accepts state changes from the page's own origin, and from clients that are no browser", async () => {
    const upload = await multipart(txt(1), { processor: 'sleep', settings: '{"ms": 60000}' });
    const page = { origin: own, 'sec-fetch-site': 'same-origin' };
    const created = await send(own, '/api/batches', {
      method: 'POST',
      headers: { ...page, 'content-type': upload.type },
      body: upload.body,
    });
    assert.equal(created.status, 202, created.body);
    const { id } = JSON.parse(created.body);
    // As the browser addressed it: `localhost` and its port are this server too.
    const port = new URL(own).port;
    const cancelled = await send(own, `/api/batches/${id}/cancel`, {
      method: 'POST',
      headers: {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'sec-fetch-site': 'same-origin',
      },
    });
    assert.equal(cancelled.status, 200, cancelled.body);
    assert.equal((await waitForBatch(own, id)).status, 'cancelled');
    // A navigation the user typed (Sec-Fetch-Site: none), and curl or the CLI (nothing).
    const typed = await send(own, `/api/batches/${id}`, {
      method: 'DELETE',
      headers: { 'sec-fetch-site': 'none' },
    });
    assert.equal(typed.status, 204, typed.body);
    const plain = await submit(own, txt(1), { processor: 'copy' });
    assert.equal(plain.status, 202);
  });

  it("refuses a WebSocket from another site's page before the upgrade, and opens it for its own", async () => {
    const { body } = await submit(own, txt(1), { processor: 'copy' });
    const ws = `${own.replace('http://', 'ws://')}/api/batches/${body.id}/ws`;
    const foreign = await openWs(ws, EVIL);
    assert.equal(foreign.status, 403);
    assert.equal(JSON.parse(foreign.body).error.code, 'FORBIDDEN');
    assert.match(JSON.parse(foreign.body).error.message, /^A WebSocket from another site's page/);
    const mine = await openWs(ws, own);
    assert.equal(mine.status, 101);
    assert.equal(mine.first.type, 'snapshot');
    const noBrowser = await openWs(ws);
    assert.equal(noBrowser.first.type, 'snapshot');
  });
});

describe('browser safety with listed hosts and CORS origins', () => {
  const app = 'https://app.example.com';
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      concurrency: 1,
      allowedHosts: 'files.example.com',
      corsOrigins: `${app},http://localhost:5173`,
    });
  });
  after(() => server.close());

  it('answers a listed Host name on any port, and still refuses others', async () => {
    for (const host of ['files.example.com', 'FILES.example.com:8443']) {
      assert.equal((await send(server.url, '/api/batches', { headers: { host } })).status, 200, host);
    }
    assertForbidden(await send(server.url, '/api/batches', { headers: { host: 'evil.example' } }), /Host/);
  });

  it('answers a preflight from a listed origin on /api, with Authorization allowed', async () => {
    const preflight = await send(server.url, '/api/batches', {
      method: 'OPTIONS',
      headers: {
        origin: app,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], app);
    assert.match(String(preflight.headers['access-control-allow-headers']), /\bAuthorization\b/);
    assert.match(String(preflight.headers['access-control-allow-methods']), /\bPOST\b/);
    assert.equal(preflight.headers['access-control-allow-credentials'], undefined);

    const other = await send(server.url, '/api/batches', {
      method: 'OPTIONS',
      headers: { origin: EVIL, 'access-control-request-method': 'POST' },
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const page = await send(server.url, '/', {
      method: 'OPTIONS',
      headers: { origin: app, 'access-control-request-method': 'GET' },
    });
    assert.equal(page.headers['access-control-allow-origin'], undefined);
  });

  it('lets a listed origin change state, and still refuses others', async () => {
    const upload = await multipart(txt(1), { processor: 'copy' });
    const listed = await send(server.url, '/api/batches', {
      method: 'POST',
      headers: { origin: app, 'sec-fetch-site': 'cross-site', 'content-type': upload.type },
      body: upload.body,
    });
    assert.equal(listed.status, 202, listed.body);
    assert.equal(listed.headers['access-control-allow-origin'], app);
    const refused = await send(server.url, '/api/batches', {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': upload.type },
      body: upload.body,
    });
    assertForbidden(refused, /FILEMILL_CORS_ORIGINS/);
    const { id } = JSON.parse(listed.body);
    const ws = `${server.url.replace('http://', 'ws://')}/api/batches/${id}/ws`;
    assert.equal((await openWs(ws, 'http://localhost:5173')).status, 101);
    assert.equal((await openWs(ws, EVIL)).status, 403);
  });
});

describe('browser safety with FILEMILL_ALLOWED_HOSTS=*', () => {
  it('answers any Host name, and still refuses cross-site state changes', async () => {
    const server = await startTestServer({ concurrency: 1, allowedHosts: '*' });
    try {
      const read = await send(server.url, '/api/batches', { headers: { host: 'anything.example' } });
      assert.equal(read.status, 200);
      const cancel = await send(server.url, '/api/batches/b_0000000000000000000000000/cancel', {
        method: 'POST',
        headers: { host: 'anything.example', origin: EVIL },
      });
      assertForbidden(cancel, /POST request/);
    } finally {
      await server.close();
    }
  });
});

describe('browser safety once API keys exist', () => {
  const app = 'https://app.example.com';
  let server: TestServer;
  let key: string;
  before(async () => {
    server = await startTestServer({ concurrency: 1, corsOrigins: app });
    key = await createKey(server.filemill.store, 'page');
  });
  after(() => server.close());

  it("answers a listed origin's preflight, which carries no key, and lets it read a 401", async () => {
    const preflight = await send(server.url, '/api/batches', {
      method: 'OPTIONS',
      headers: {
        origin: app,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], app);
    const unsigned = await send(server.url, '/api/batches', { headers: { origin: app } });
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.headers['access-control-allow-origin'], app);
    assert.equal(unsigned.headers['referrer-policy'], 'no-referrer');
    const signed = await send(server.url, '/api/batches', {
      headers: { origin: app, authorization: `Bearer ${key}` },
    });
    assert.equal(signed.status, 200, signed.body);
    assert.equal(signed.headers['access-control-allow-origin'], app);
  });

  it('checks the Host and the Origin before the credentials', async () => {
    assertForbidden(await send(server.url, '/api/batches', { headers: { host: 'evil.example' } }), /Host/);
    const upload = await multipart(txt(1), { processor: 'copy' });
    const headers = { authorization: `Bearer ${key}`, 'content-type': upload.type };
    assertForbidden(
      await send(server.url, '/api/batches', {
        method: 'POST',
        headers: { ...headers, origin: EVIL },
        body: upload.body,
      }),
      /another site's page/,
    );
    const own = await send(server.url, '/api/batches', {
      method: 'POST',
      headers: { ...headers, origin: server.url, 'sec-fetch-site': 'same-origin' },
      body: upload.body,
    });
    assert.equal(own.status, 202, own.body);
  });
});

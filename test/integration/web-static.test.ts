/**
 * How the server hands out the web UI: the built page at `/` and at the page's own links
 * (`/batches/<id>`), with a strict Content-Security-Policy; hashed assets cached for good;
 * a clear 404 when the UI was not built; API paths never answered with the page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerBrowserSafety } from '../../src/http/plugins/browser-safety.js';
import { registerErrorHandling } from '../../src/http/plugins/errors.js';
import { webRoutes } from '../../src/http/routes/web.js';

async function appWith(root: string | null): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandling(app);
  // The page's CSP and nosniff are every response's headers.
  await registerBrowserSafety(app, { host: '127.0.0.1', allowedHosts: [], corsOrigins: [] });
  await webRoutes(app, root);
  return app;
}

describe('the web UI files', () => {
  let root: string;
  let app: FastifyInstance;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'filemill-web-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>filemill</title>');
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await appWith(root);
  });
  after(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the page at /, at the history and at a batch link, never cached, with a strict CSP', async () => {
    for (const url of ['/', '/batches', '/batches/b_0mwu2760sihflaixgv90fua']) {
      const response = await app.inject(url);
      assert.equal(response.statusCode, 200, url);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.match(response.body, /<title>filemill<\/title>/);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.match(
        response.headers['content-security-policy'] as string,
        /default-src 'self'.*frame-ancestors 'none'/,
      );
    }
  });

  it('caches hashed assets for good', async () => {
    const response = await app.inject('/assets/index-abc123.js');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });

  it('answers other paths with the API error, not the page', async () => {
    for (const url of ['/api/nothing', '/nothing', '/assets/../../etc/passwd']) {
      const response = await app.inject(url);
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error.code, 'NOT_FOUND');
    }
  });

  it('answers a browser asking for an unknown address with the page, as a 404, but never under /api', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const page = await app.inject({ url: '/settings', headers: html });
    assert.equal(page.statusCode, 404);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /<title>filemill<\/title>/);
    for (const request of [
      { url: '/api/nothing', headers: html },
      { url: '/settings', method: 'POST' as const, headers: html },
      { url: '/settings', headers: { accept: '*/*' } },
    ]) {
      const response = await app.inject(request);
      assert.equal(response.statusCode, 404, request.url);
      assert.equal(response.json().error.code, 'NOT_FOUND', `${request.method ?? 'GET'} ${request.url}`);
    }
  });
});

describe('a server whose web UI was not built', () => {
  it('says so at / with a 404 and how to build it', async () => {
    const app = await appWith(join(tmpdir(), 'filemill-no-such-folder'));
    const response = await app.inject('/');
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json().error, {
      code: 'NOT_FOUND',
      message: 'The web UI is not built here: run `npm run build`, then start again.',
    });
    await app.close();
  });
});

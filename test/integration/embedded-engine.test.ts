/**
 * The engine inside `filemill submit` (cli/embedded.ts) serves the REST API its command uses,
 * and nothing meant for a browser or another program: no web page, no WebSocket stream, no
 * OpenAPI document.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startEmbeddedEngine } from '../../src/cli/embedded.js';
import { photoJpeg } from './support/images.js';

/** The status a WebSocket handshake to `url` gets: 101 where a WebSocket route answers. */
function handshake(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the embedded engine', () => {
  it('answers the REST API only', async () => {
    const engine = await startEmbeddedEngine();
    try {
      assert.match(engine.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const processors = await fetch(`${engine.url}/api/processors`);
      assert.equal(processors.status, 200);
      assert.ok(((await processors.json()) as { name: string }[]).some((p) => p.name === 'image'));
      assert.equal((await fetch(`${engine.url}/api/limits`)).status, 200);
      for (const path of ['/', '/batches', '/api/openapi.json']) {
        const response = await fetch(`${engine.url}${path}`);
        assert.equal(response.status, 404, path);
        await response.body?.cancel();
      }
      const form = new FormData();
      form.append('processor', 'image');
      form.append('files', new Blob([await photoJpeg(32, 32)]), 'a.jpg');
      const accepted = await fetch(`${engine.url}/api/batches`, { method: 'POST', body: form });
      assert.equal(accepted.status, 202);
      const { id } = (await accepted.json()) as { id: string };
      assert.equal(await handshake(`${engine.url}/api/batches/${id}/ws`), 404);
    } finally {
      await engine.close();
    }
  });
});

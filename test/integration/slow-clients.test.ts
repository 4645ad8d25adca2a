/**
 * Slow and greedy clients (the limits lowered for the test): an upload that promises a body and
 * stops sending is cut by the minimum upload rate or by the request timeout, and its
 * connection is freed with nothing of it kept; a client that never finishes its headers is cut;
 * connections over the per-address cap are refused while the others go on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { ConfigKey } from '../../src/config/schema.js';
import { listTree, startTestServer, type TestServer } from './support/server.js';
import { openSocket, parseAnswer } from './support/raw-http.js';

const BOUNDARY = 'slowB';
/** The first 100-odd bytes of an upload that promises 900 kB. */
const START =
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="processor"\r\n\r\nimage\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\n` +
  'x'.repeat(40);

/** Resolves once `socket` is closed, with what the server wrote before. */
function closed(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.on('close', () => resolve(text)));
}

function openConnections(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.filemill.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Polls `check` until it holds; fails with `what` if it never does within a generous bound. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} never happened`);
}

async function slowUpload(server: TestServer): Promise<string> {
  const socket = await openSocket(server.url);
  const answer = closed(socket);
  socket.write(
    `POST /api/batches HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 900000\r\n\r\n${START}`,
  );
  return answer;
}

function describeWith(
  title: string,
  settings: Partial<Record<ConfigKey, string | number>>,
  body: (server: () => TestServer) => void,
): void {
  describe(title, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ concurrency: 1, ...settings });
    });
    after(() => server.close());
    body(() => server);
  });
}

async function assertNothingLeft(server: TestServer): Promise<void> {
  await eventually('the connection freed', async () => (await openConnections(server)) === 0);
  await eventually(
    'the staged upload removed',
    async () => (await listTree(server.dataDir)).filter((p) => p.startsWith('blobs/')).length === 0,
  );
  // Not on a keep-alive connection: one left open would count in the next test.
  const list = await fetch(`${server.url}/api/batches`, { headers: { connection: 'close' } });
  assert.deepEqual(((await list.json()) as { items: unknown[] }).items, []);
}

describeWith(
  'a minimum upload rate',
  { minUploadBytesPerSecond: 1000, uploadRateWindowMs: 300, requestTimeoutMs: 0 },
  (server) => {
    it('cuts an upload that sends 100 bytes of a promised 900 kB, keeping nothing', async () => {
      const uploads = await Promise.all([slowUpload(server()), slowUpload(server()), slowUpload(server())]);
      for (const written of uploads) assert.equal(parseAnswer(written).status, null, written);
      await assertNothingLeft(server());
      const health = await fetch(`${server().url}/healthz`, { headers: { connection: 'close' } });
      assert.equal(health.status, 200);
    });
  },
);

describeWith(
  'a request timeout',
  { minUploadBytesPerSecond: 0, headersTimeoutMs: 1000, requestTimeoutMs: 1500 },
  (server) => {
    it('answers an upload that stops sending with 408 REQUEST_TIMEOUT and frees its connection', async () => {
      const answer = parseAnswer(await slowUpload(server()));
      assert.equal(answer.status, 408, answer.body);
      assert.equal(JSON.parse(answer.body).error.code, 'REQUEST_TIMEOUT');
      await assertNothingLeft(server());
    });

    it('cuts a client that never finishes its headers', async () => {
      const socket = await openSocket(server().url);
      const answer = closed(socket);
      socket.write(`GET /api/batches HTTP/1.1\r\nHost: ${new URL(server().url).host}\r\nX-Slow: 1`);
      const parsed = parseAnswer(await answer);
      assert.equal(parsed.status, 408, parsed.body);
      await eventually('the connection freed', async () => (await openConnections(server())) === 0);
    });
  },
);

describeWith(
  'a minimum upload rate on a kept-alive connection',
  { minUploadBytesPerSecond: 1000 },
  (server) => {
    it('holds nothing of an upload once it is answered: the connection does not keep it', async () => {
      // The server's end of the client's connection (fetch keeps it alive), to count what
      // listens on it: a listener per upload held each request and its body's parts for as long
      // as the client kept the connection (10,000 parts: 30 MiB).
      const sockets: Socket[] = [];
      const onConnection = (socket: Socket) => sockets.push(socket);
      server().filemill.app.server.on('connection', onConnection);
      const upload = async () => {
        const form = new FormData();
        form.append('processor', 'copy');
        form.append('files', new Blob(['hello']), 'a.txt');
        const answer = await fetch(`${server().url}/api/batches`, { method: 'POST', body: form });
        await answer.arrayBuffer();
        return answer.status;
      };
      try {
        assert.equal(await upload(), 202);
        const listening = Math.max(...sockets.map((socket) => socket.listenerCount('close')));
        for (let i = 0; i < 12; i++) assert.equal(await upload(), 202);
        // A connection or two carried the thirteen uploads: each holds no more than after one.
        assert.ok(sockets.length < 13, 'the connections were kept alive');
        assert.deepEqual(
          sockets.map((socket) => socket.listenerCount('close')).filter((count) => count > listening),
          [],
          'no listener left per upload',
        );
      } finally {
        server().filemill.app.server.off('connection', onConnection);
      }
    });
  },
);

describeWith('a cap on connections per address', { maxConnectionsPerIp: 3 }, (server) => {
  it('refuses the connection over the cap and takes one again once another closes', async () => {
    const held = await Promise.all([1, 2, 3].map(() => openSocket(server().url)));
    await eventually('three connections open', async () => (await openConnections(server())) === 3);
    const extra = await openSocket(server().url);
    const written = await closed(extra);
    assert.equal(written, '', 'closed without an answer');
    await assert.rejects(fetch(`${server().url}/healthz`));

    held[0]!.destroy();
    await eventually('a connection freed', async () => (await openConnections(server())) === 2);
    const health = await fetch(`${server().url}/healthz`, { headers: { connection: 'close' } });
    assert.equal(health.status, 200);
    for (const socket of held) socket.destroy();
  });
});

/**
 * Live progress over WebSocket: a snapshot first, then the same ordered events as SSE,
 * `?after` replay, and the stream limit as close code 4429.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';

interface WsRead {
  messages: any[];
  closeCode: number;
}

function readWs(url: string): Promise<WsRead> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    socket.on('close', (code) => resolve({ messages, closeCode: code }));
    socket.on('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error('refused'), { status: res.statusCode })),
    );
    socket.on('error', reject);
  });
}

describe('event stream (WebSocket)', () => {
  let server: TestServer;
  let ws: string;
  before(async () => {
    server = await startTestServer({ concurrency: 2, maxStreamsPerBatch: 1 });
    ws = server.url.replace('http://', 'ws://');
  });
  after(() => server.close());

  it('sends a snapshot first, then every event in order, and closes after the end event', async () => {
    const { body } = await submit(
      server.url,
      Array.from({ length: 4 }, (_, i) => ({ name: `${i}.txt`, data: 'x' })),
      {
        processor: 'sleep',
        settings: '{"ms": 100}',
      },
    );
    const read = await readWs(`${ws}${body.wsUrl}`);
    assert.equal(read.messages[0].type, 'snapshot');
    assert.equal(read.messages[0].batch.id, body.id);
    const events = read.messages.slice(1);
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
    assert.equal(events.filter((e) => e.type === 'file.succeeded').length, 4);
    assert.equal(events.at(-1).type, 'batch.completed');
    assert.equal(read.closeCode, 1000);
  });

  it('replays only what came after ?after', async () => {
    const { body } = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
    await waitForBatch(server.url, body.id);
    const read = await readWs(`${ws}${body.wsUrl}?after=2`);
    assert.equal(read.messages[0].type, 'snapshot');
    assert.equal(read.messages[1].seq, 3);
  });

  it('closes a stream past the limit with 4429 and refuses an unknown batch before the upgrade', async () => {
    const { body } = await submit(server.url, [{ name: 'a.txt', data: 'a' }], {
      processor: 'sleep',
      settings: '{"ms": 60000}',
    });
    const holder = new WebSocket(`${ws}${body.wsUrl}`);
    await new Promise((r) => holder.once('message', r));
    const refused = await readWs(`${ws}${body.wsUrl}`);
    assert.equal(refused.closeCode, 4429);
    holder.close();
    await fetch(`${server.url}/api/batches/${body.id}/cancel`, { method: 'POST' });
    await assert.rejects(readWs(`${ws}/api/batches/b_0000000000000000000000000/ws`), { status: 404 });
  });
});

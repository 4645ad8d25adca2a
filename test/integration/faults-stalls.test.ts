/**
 * Faults that stall rather than kill, against real `filemill serve` processes: a worker that
 * spins for ever, clients that stop reading their event stream, and PostgreSQL away for a few
 * seconds (through a relay the test cuts). After each, `assertReadable` checks everything a
 * client reads.
 */
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import './support/env.js';
import { accepted, texts, withSetup } from './support/fault-setup.js';
import { assertReadable, exited, hasExited, serveProcess } from './support/faults.js';
import { createDatabase } from './support/nodes.js';
import { workerPids } from './support/processes.js';
import { allFiles, form, waitForBatch } from './support/server.js';
import { readSse } from './support/sse.js';
import { readWs } from './support/ws.js';

const pgProblem = await postgresProblem();

describe('a worker that hangs, a client that reads slowly (SQLite)', () => {
  it('ends a worker spinning for ever as TIMEOUT, and the batch goes on', (t) =>
    // 8 s, not less: on a loaded machine 1.5 s, and once 5 s, also cut the fine file after the
    // hang (TIMEOUT where it must succeed, behind a fresh worker's start).
    withSetup(t, 'sqlite', { FILEMILL_FILE_TIMEOUT_MS: '8000' }, async (setup) => {
      const server = await setup.serve({ concurrency: 1 });
      const inputs = ['fine 0', 'hang here', 'fine 2'];
      const id = await accepted(server.url, inputs, { processor: 'spin', settings: '{"when":"hang"}' });
      await waitForBatch(server.url, id, (b) => b.counts.running === 1 && b.counts.succeeded === 1);
      const [spinning] = await workerPids(server.child.pid);
      const batch = await assertReadable(server.url, id, { inputs });
      assert.equal(batch.status, 'completed_with_errors');
      const rows = await allFiles(server.url, id);
      assert.deepEqual(
        rows.map((f) => f.error?.code ?? f.status),
        ['succeeded', 'TIMEOUT', 'succeeded'],
      );
      assert.ok(spinning !== undefined && !(await workerPids(server.child.pid)).includes(spinning));
    }));

  it('drops a client that stops reading instead of buffering for it; it resumes with no gap', (t) =>
    withSetup(t, 'sqlite', { FILEMILL_MAX_FILES: '3000' }, async (setup) => {
      const server = await setup.serve();
      // Text files are not images: each is refused at submission, logging a file.failed
      // event with its long name — megabytes of log in one go, replayed at full speed.
      const dir = Array.from({ length: 8 }, (_, i) => `${'d'.repeat(200)}${i}`).join('/');
      const files = Array.from({ length: 2500 }, (_, i) => ({ name: `${dir}/f${i}.txt`, data: `${i}` }));
      const response = await fetch(`${server.url}/api/batches`, {
        method: 'POST',
        body: form(files, { processor: 'image' }),
      });
      assert.equal(response.status, 202);
      const { id } = (await response.json()) as { id: string };
      const batch = await waitForBatch(server.url, id);
      assert.equal(batch.status, 'failed');

      const events = `${server.url}/api/batches/${id}/events`;
      const total = 2502; // batch.queued, a file.failed per file, batch.failed

      // Clients that pause a moment read on to the end; clients that stop reading for good
      // (past the server's stall limit, 10 s) are dropped, not buffered for, and resume.
      const briefly = await Promise.all([1, 2, 3].map(() => pausedSse(events)));
      const stalled = await Promise.all([1, 2, 3].map(() => pausedSse(events)));
      const ws = await pausedWs(`${server.url.replace('http://', 'ws://')}/api/batches/${id}/ws`);
      await sleep(2000);
      for (const reader of briefly) {
        const read = await reader.resume();
        assert.deepEqual(read.events, seqs(1, total), 'a client that paused a moment reads every event');
      }
      await sleep(10_000);
      for (const reader of stalled) {
        const read = await reader.resume();
        assert.ok(read.ended, 'the server ended the stream of the client that stopped reading');
        assert.ok(read.events.length < total, `it was dropped before the end (read ${read.events.length})`);
        assert.deepEqual(read.events, seqs(1, read.events.length));
        const rest = await readSse(events, {
          headers: { 'last-event-id': String(read.events.length) },
          timeoutMs: 60_000,
        });
        assert.ok(rest.ended);
        assert.deepEqual(
          rest.events.map((e) => e.id),
          seqs(read.events.length + 1, total),
          'resumed with Last-Event-ID: every event once, in order, to the end',
        );
      }
      const wsRead = await ws.resume();
      // Whether the paused socket left over 1 MB unread depends on the kernel's socket buffers:
      // either the server closed it as too slow (4008), or it took everything without a gap.
      if (wsRead.closeCode === 1000) {
        assert.deepEqual(wsRead.seqs, seqs(1, total), 'a WebSocket not dropped read every event');
        assert.ok(!hasExited(server.child));
        return;
      }
      assert.equal(wsRead.closeCode, 4008, 'the WebSocket that stopped reading is closed as too slow');
      const wsRest = await readWs(
        `${server.url.replace('http://', 'ws://')}/api/batches/${id}/ws?after=${wsRead.seqs.length}`,
        60_000,
      );
      assert.equal(wsRest.closeCode, 1000);
      assert.deepEqual(
        [...wsRead.seqs, ...wsRest.messages.slice(1).map((m) => m.seq as number)],
        seqs(1, total),
        'resumed with ?after: every event once, in order, to the end',
      );
      assert.ok(!hasExited(server.child));
    }));
});

describe('the database away for a few seconds (PostgreSQL, local queue)', () => {
  if (pgProblem !== null) {
    itNeedsService('survives an outage', 'PostgreSQL', 'FILEMILL_TEST_DATABASE_URL', pgProblem);
    return;
  }
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('finishes the batch once it is back, readable to the end', async (t) => {
    const database = await createDatabase();
    cleanup.push(() => database.drop());
    const proxy = new TcpProxy({ host: database.url.hostname, port: Number(database.url.port || 5432) });
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${await proxy.listen()}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-faults-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = await serveProcess({ dataDir, databaseUrl: viaProxy.toString(), concurrency: 1 });
    cleanup.push(async () => {
      server.child.kill('SIGTERM');
      await exited(server.child);
    });
    try {
      const inputs = texts(4, 'outage');
      const id = await accepted(server.url, inputs, { processor: 'sleep', settings: '{"ms": 500}' });
      await waitForBatch(server.url, id, (b) => b.counts.succeeded >= 1 && b.counts.running === 1);
      await proxy.cut();
      await sleep(3000);
      await proxy.restore();
      await assertReadable(server.url, id, { inputs });
      assert.ok(!hasExited(server.child));
    } catch (error) {
      t.diagnostic(server.output());
      throw error;
    }
  });
});

const seqs = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * An SSE client that connects and then reads nothing (its socket paused) until `resume()`:
 * then it reads what reaches it until the stream ends (`ended`: the server ended it).
 */
async function pausedSse(url: string): Promise<{ resume(): Promise<{ events: number[]; ended: boolean }> }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${url}?after=0`);
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.statusCode, 200);
  res.pause();
  return {
    resume: () =>
      new Promise((resolve) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('close', () => {
          const events = [...text.matchAll(/^id: (\d+)\ndata: .*\n\n/gm)].map((m) => Number(m[1]));
          resolve({ events, ended: true });
        });
        res.resume();
      }),
  };
}

/** A WebSocket client that takes in nothing (its socket paused) until `resume()`. */
async function pausedWs(url: string): Promise<{ resume(): Promise<{ seqs: number[]; closeCode: number }> }> {
  const socket = new WebSocket(url);
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('message', resolve);
    socket.once('error', reject);
  });
  socket.pause();
  return {
    async resume() {
      socket.resume();
      const closeCode = await closed;
      return { seqs: messages.slice(1).map((m) => m.seq as number), closeCode };
    },
  };
}

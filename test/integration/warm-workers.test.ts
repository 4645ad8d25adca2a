/**
 * Worker processes start with the server, seen from outside a real one: `/readyz` says not
 * ready while they start, then ready with `workers: {ready, size}`, and the processes are
 * there before any file; when none can start it says so instead of waiting; a server started
 * with startFilemill's default (workers on demand, what most tests use) starts none before a
 * file needs one; `filemill serve` starts them with it; an API-only node has no workers to
 * wait for.
 */
import { TEST_PROCESSORS } from './support/env.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import { startFilemill, type Filemill, type StartOptions } from '../../src/server.js';
import { WorkerProcess } from '../../src/worker/worker-process.js';
import { kill9, serveProcess } from './support/faults.js';
import { workerPids } from './support/processes.js';
import { getJson, submit, waitForBatch, startTestServer, type TestServer } from './support/server.js';

assert.ok(TEST_PROCESSORS);

const waitReady = WorkerProcess.prototype.waitReady;

/** Opens the gate of `holdStarts`, if one is held: a test that failed before it opened leaves it to afterEach. */
let openHeldStarts: () => void = () => {};

/** Holds every worker's start until `open()`; the processes run meanwhile, not yet counted as listening. */
function holdStarts(): { open(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  // Else a start held at the gate would hold the pool's close, and the test file, for ever.
  openHeldStarts = open;
  WorkerProcess.prototype.waitReady = async function (this: WorkerProcess, timeoutMs: number) {
    await gate;
    return waitReady.call(this, timeoutMs);
  };
  return { open };
}

async function readyz(url: string): Promise<{ status: number; body: any }> {
  return getJson(`${url}/readyz`);
}

async function untilReady(url: string): Promise<{ status: number; body: any }> {
  for (const deadline = Date.now() + 60_000; ; await delay(25)) {
    const answer = await readyz(url);
    if (answer.status === 200 || Date.now() > deadline) return answer;
  }
}

describe('worker processes started with the server', () => {
  const dirs: string[] = [];
  let filemill: Filemill | null = null;

  async function start(
    settings: Record<string, number | string> = {},
    opts: StartOptions = { workers: 'ready' },
  ): Promise<Filemill> {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-warm-'));
    dirs.push(dataDir);
    const config = loadConfig({
      env: {},
      overrides: { port: 0, dataDir, logLevel: 'silent', concurrency: 2, ...settings },
    });
    filemill = await startFilemill(config, opts);
    return filemill;
  }

  afterEach(async () => {
    WorkerProcess.prototype.waitReady = waitReady;
    openHeldStarts();
    await filemill?.close();
    filemill = null;
    assert.deepEqual(await workerPids(), [], 'no worker process outlives the server');
  });
  after(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('answers not ready while the workers start, then ready, with every process there before any file', async () => {
    const starts = holdStarts();
    const server = await start({}, { workers: 'starting' });
    const starting = await readyz(server.url);
    assert.equal(starting.status, 503);
    assert.equal(starting.body.error.code, 'NOT_READY');
    assert.match(starting.body.error.message, /starting/);
    assert.deepEqual(starting.body.workers, { ready: 0, size: 2, failed: 0 });
    assert.equal(starting.body.store, 'ok');
    assert.ok(starting.body.sandbox);

    starts.open();
    const ready = await untilReady(server.url);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.status, 'ok');
    assert.deepEqual(ready.body.workers, { ready: 2, size: 2, failed: 0 });
    assert.equal((await workerPids()).length, 2, 'both processes, before any file');

    const { body } = await submit(
      server.url,
      [
        { name: 'a.txt', data: 'a' },
        { name: 'b.txt', data: 'b' },
      ],
      {
        processor: 'copy',
      },
    );
    assert.equal((await waitForBatch(server.url, body.id)).status, 'completed');
  });

  it('says so when no worker can start, rather than waiting for ever', async () => {
    WorkerProcess.prototype.waitReady = async function (this: WorkerProcess) {
      await this.kill();
      return false;
    };
    // A `ready` start waits for the workers' first starts, which end (here, failing).
    const server = await start();
    const answer = await readyz(server.url);
    assert.equal(answer.status, 503);
    assert.equal(answer.body.error.code, 'NOT_READY');
    assert.match(answer.body.error.message, /No worker process could start/);
    assert.deepEqual(answer.body.workers, { ready: 0, size: 2, failed: 2 });
  });

  it('is ready as soon as a server started with its workers ready is up', async () => {
    const server = await start();
    const answer = await readyz(server.url);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.workers, { ready: 2, size: 2, failed: 0 });
    assert.equal((await workerPids()).length, 2);
  });

  it('starts no worker before a file needs one when started with the default', async () => {
    const server: TestServer = await startTestServer({ concurrency: 2 });
    try {
      const answer = await readyz(server.url);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.workers, undefined);
      assert.deepEqual(await workerPids(), []);
    } finally {
      await server.close();
    }
  });

  it('starts them with `filemill serve`, which says ready once they are', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-warm-'));
    dirs.push(dataDir);
    const served = await serveProcess({ dataDir, concurrency: 2 });
    try {
      const answer = await untilReady(served.url);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.workers, { ready: 2, size: 2, failed: 0 });
      assert.equal((await workerPids(served.child.pid)).length, 2, 'both processes, before any file');
    } finally {
      await kill9(served);
    }
  });

  it('has no workers to wait for on an API-only node', async () => {
    const server = await start({ concurrency: 0 });
    const answer = await readyz(server.url);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.workers, undefined);
    assert.deepEqual(await workerPids(), []);
  });
});

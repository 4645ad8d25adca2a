/**
 * "Nothing lost": the server is killed with SIGKILL in the middle of a batch and started
 * again on the same data folder; every file ends exactly once in a final state.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allFiles, getJson, submit, TEST_PROCESSORS, waitForBatch } from './support/server.js';
import { readSse } from './support/sse.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `filemill serve` as its own process and resolves with its URL once it listens. */
function serve(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/run.ts',
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--concurrency',
      '1',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        FILEMILL_TEST_PROCESSORS: TEST_PROCESSORS,
        FILEMILL_LOG_LEVEL: 'warn',
        FILEMILL_RETRY_BASE_MS: '50',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /filemill (http:\/\/\S+)/.exec(text);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${text}`)));
  });
}

describe('a server killed with SIGKILL mid-batch', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('finishes every file exactly once after a restart on the same data folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-recovery-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    const first = await serve(dataDir);
    cleanup.push(() => void first.child.kill('SIGKILL'));
    const files = Array.from({ length: 4 }, (_, i) => ({ name: `part${i}.txt`, data: `part ${i}` }));
    const { status, body } = await submit(first.url, files, { processor: 'sleep', settings: '{"ms": 1000}' });
    assert.equal(status, 202);
    await waitForBatch(first.url, body.id, (b) => b.counts.succeeded >= 1 && b.counts.running === 1);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await serve(dataDir);
    cleanup.push(() => void second.child.kill('SIGTERM'));
    const batch = await waitForBatch(second.url, body.id);
    assert.equal(batch.status, 'completed');
    assert.deepEqual(batch.counts, {
      queued: 0,
      running: 0,
      retrying: 0,
      succeeded: 4,
      failed: 0,
      cancelled: 0,
    });
    const rows = await allFiles(second.url, body.id);
    assert.ok(rows.every((f) => f.status === 'succeeded'));
    // The file that was running when the server died ran once more; no other did.
    assert.equal(rows.filter((f) => f.attempts === 2).length, 1);
    assert.equal(rows.filter((f) => f.attempts === 1).length, 3);
    const zip = await fetch(`${second.url}${body.resultsUrl}`);
    assert.equal(zip.status, 200);
  });

  it('reads to the end after kills that used up a file’s attempts: stream, list and reports', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-recovery-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { FILEMILL_MAX_ATTEMPTS: '2' };
    let server = await serve(dataDir, env);
    const { body } = await submit(server.url, [{ name: 'slow.txt', data: 'slow' }], {
      processor: 'sleep',
      settings: '{"ms": 60000}',
    });
    // Killed while its only file runs, twice: the second recovery finds its attempts used.
    for (let attempt = 1; attempt <= 2; attempt++) {
      await waitForBatch(server.url, body.id, (b) => b.counts.running === 1);
      const killed = server.child;
      killed.kill('SIGKILL');
      await new Promise((r) => killed.once('exit', r));
      server = await serve(dataDir, env);
      const restarted = server.child;
      cleanup.push(() => void restarted.kill('SIGKILL'));
    }
    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'failed');
    assert.ok(Date.parse(batch.finishedAt) > Date.parse(batch.createdAt));
    const [file] = await allFiles(server.url, body.id);
    assert.equal(file?.error?.code, 'WORKER_CRASHED');
    assert.equal(file?.attempts, 2);

    const list = await getJson(`${server.url}/api/batches`);
    assert.deepEqual(
      list.body.items.map((b: { id: string }) => b.id),
      [body.id],
    );
    for (const path of ['report.json', 'report.csv', 'results.zip', 'files']) {
      const response = await fetch(`${server.url}/api/batches/${body.id}/${path}`);
      assert.equal(response.status, 200, path);
    }
    // The whole log, from seq 1, ends with the batch's end; every time is a real one.
    const read = await readSse(`${server.url}${body.eventsUrl}`, { timeoutMs: 10_000 });
    assert.ok(read.ended, 'the server ends the stream of a finished batch');
    assert.deepEqual(
      read.events.map((e) => e.id),
      read.events.map((_, i) => i + 1),
    );
    assert.equal(read.events.at(-1)?.data.type, 'batch.failed');
    for (const event of read.events) assert.ok(Date.parse(event.data.at) >= Date.parse(batch.createdAt));
  });
});

/**
 * Fault injection at exact moments: `filemill serve` killed with SIGKILL at points armed by
 * failpoints (src/core/failpoints.ts) — during an upload, the final commit of a file, a
 * retry, retention — and a worker process killed mid-file, on SQLite, restarted on the same
 * data folder. After each fault, `assertReadable` checks everything a client reads.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import './support/env.js';
import { accepted, diesUnder, texts, upload, withSetup } from './support/fault-setup.js';
import { assertReadable, exited, hasExited, kill9, waitFor } from './support/faults.js';
import { workerPids } from './support/processes.js';
import { allFiles, getJson, postJson, submit, waitForBatch } from './support/server.js';

describe('kill -9 at exact moments (failpoints, SQLite)', () => {
  it('a worker killed mid-file costs that file one attempt; the batch goes on', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const server = await setup.serve({ concurrency: 1 });
      // Ready means its worker listens, and the first file runs in it at once. Before, the kill
      // could land on the worker still starting: the file would start one of its own, and
      // rightly lose no attempt (the CI failure of 4956c82).
      await waitFor(
        'the server is ready',
        async () => (await getJson(`${server.url}/readyz`)).status === 200,
      );
      const inputs = texts(3, 'worker');
      const id = await accepted(server.url, inputs, { processor: 'sleep', settings: '{"ms": 1500}' });
      await waitForBatch(server.url, id, (b) => b.counts.running === 1);
      // The pool may be replacing its worker at that moment: look again until one is there.
      let worker: number | undefined;
      for (let tries = 0; worker === undefined && tries < 100; tries++) {
        [worker] = await workerPids(server.child.pid);
        if (worker === undefined) await sleep(50);
      }
      assert.ok(worker !== undefined, 'the server has a worker process');
      process.kill(worker, 'SIGKILL');
      await assertReadable(server.url, id, { inputs });
      const rows = await allFiles(server.url, id);
      assert.deepEqual(
        rows.map((f) => [f.status, f.attempts]),
        [
          ['succeeded', 2],
          ['succeeded', 1],
          ['succeeded', 1],
        ],
      );
      assert.ok(!hasExited(server.child), 'the server lives on');
    }));

  it('a server killed while an upload streams in keeps nothing of it, and takes the next', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const first = await setup.serve();
      const cut = streamUploadForever(first.url);
      // Some bytes of the file are on disk: the kill lands mid-file.
      await waitFor('the upload is being stored', async () => (await treeSize(setup.blobs)) > 0);
      await kill9(first);
      await cut;
      const second = await setup.serve();
      assert.equal(await treeSize(setup.blobs), 0, 'the cut upload is swept at start-up');
      assert.deepEqual((await getJson(`${second.url}/api/batches`)).body.items, []);
      const inputs = texts(2, 'after');
      await assertReadable(second.url, await accepted(second.url, inputs, { processor: 'copy' }), { inputs });
    }));

  it('a server killed before an upload commits keeps nothing of it', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const first = await setup.serve({ failpoints: 'upload.before-commit' });
      await diesUnder(first, submit(first.url, upload(texts(3, 'lost')), { processor: 'copy' }));
      const second = await setup.serve();
      assert.equal(await treeSize(setup.blobs), 0, 'the uncommitted upload is swept at start-up');
      const list = await getJson(`${second.url}/api/batches`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items, [], 'no batch: the client was never told 202');
    }));

  it('a batch committed before its 202 was sent runs to the end after the restart', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const first = await setup.serve({ failpoints: 'upload.after-commit' });
      const inputs = texts(3, 'kept');
      await diesUnder(first, submit(first.url, upload(inputs), { processor: 'copy' }));
      const second = await setup.serve();
      const list = await getJson(`${second.url}/api/batches`);
      assert.equal(list.body.items.length, 1, 'the committed batch is there');
      await assertReadable(second.url, list.body.items[0].id, { inputs });
    }));

  for (const point of ['file.complete.before-commit', 'file.complete.after-commit'] as const) {
    it(`a server killed at ${point} ends every file once`, (t) =>
      withSetup(t, 'sqlite', {}, async (setup) => {
        const first = await setup.serve({ failpoints: `${point}@2`, concurrency: 1 });
        const inputs = texts(4, point);
        const id = await accepted(first.url, inputs, { processor: 'sleep', settings: '{"ms": 200}' });
        await exited(first.child);
        assert.equal(first.child.signalCode, 'SIGKILL');
        const second = await setup.serve();
        await assertReadable(second.url, id, { inputs });
        const attempts = (await allFiles(second.url, id)).map((f) => f.attempts);
        // Before the commit, the second file's ending was lost with the server: it ran again.
        // After it, the third file had been leased by that same commit (the runner hands its
        // slot on) and its run never started: the restart's lease recovery counts that claim
        // as an attempt, as for a server killed right after any claim.
        assert.deepEqual(attempts, point === 'file.complete.before-commit' ? [1, 2, 1, 1] : [1, 1, 2, 1]);
      }));
  }

  it('a retry committed before the server died runs after the restart', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const first = await setup.serve({ failpoints: 'retry.after-commit' });
      const id = await accepted(first.url, texts(2, 'retry'), {
        processor: 'fail',
        settings: '{"code":"X"}',
      });
      const failed = await waitForBatch(first.url, id);
      assert.equal(failed.status, 'failed');
      await diesUnder(first, postJson(`${first.url}/api/batches/${id}/retry`));
      const second = await setup.serve();
      await assertReadable(second.url, id, { retried: true });
      const rows = await allFiles(second.url, id);
      assert.deepEqual(
        rows.map((f) => f.attempts),
        [2, 2],
        'each file ran again',
      );
    }));

  it('a server killed while a file waits to be retried runs it after the restart', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      // A back-off of 4 s keeps the crashed file `retrying` until the kill; it outlives the
      // restart (the file waits for its time), so the batch ends a few seconds later.
      const first = await setup.serve({ env: { FILEMILL_RETRY_BASE_MS: '4000' }, concurrency: 1 });
      const inputs = texts(2, 'backoff');
      const id = await accepted(first.url, inputs, { processor: 'crash-once' });
      await waitForBatch(first.url, id, (b) => b.counts.retrying >= 1);
      await kill9(first);
      const second = await setup.serve();
      await assertReadable(second.url, id, { inputs });
      // The file waiting for its back-off ran once more, after it; the other may also have
      // been running when the server died (one more attempt, recovered).
      const [waited] = await allFiles(second.url, id);
      assert.equal(waited.attempts, 2);
    }));

  it('a server killed during retention deletes the batch for good and keeps the others', (t) =>
    withSetup(t, 'sqlite', {}, async (setup) => {
      const first = await setup.serve();
      const old = await accepted(first.url, texts(2, 'old'), { processor: 'copy' });
      await waitForBatch(first.url, old);
      const inputs = texts(3, 'running');
      const running = await accepted(first.url, inputs, { processor: 'sleep', settings: '{"ms": 400}' });
      await kill9(first);
      // Retention of 0 days: the start-up sweep deletes the finished batch and dies between
      // its files and its rows.
      await assert.rejects(
        setup.serve({ failpoints: 'retention.between-deletes', env: { FILEMILL_RETENTION_DAYS: '0' } }),
        /exited \(SIGKILL\) before it listened/,
      );
      // The next start's sweep, under the same retention, deletes the rows left behind.
      const second = await setup.serve({ env: { FILEMILL_RETENTION_DAYS: '0' } });
      assert.equal((await getJson(`${second.url}/api/batches/${old}`)).status, 404);
      assert.deepEqual(await readdir(setup.blobs), [running], 'the deleted batch left no file');
      await assertReadable(second.url, running, { inputs });
    }));
});

/** Bytes of every file below `dir`. */
async function treeSize(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const entry of entries.filter((e) => e.isFile())) {
    total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * A multipart upload whose file never ends (a chunk every few ms); resolves when the
 * connection is cut under it.
 */
function streamUploadForever(url: string): Promise<void> {
  const boundary = 'faultsboundary';
  const req = request(`${url}/api/batches`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  return new Promise((resolve) => {
    req.on('error', () => resolve());
    req.on('response', (res) => {
      res.resume();
      res.on('close', () => resolve());
    });
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="processor"\r\n\r\ncopy\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const chunk = Buffer.alloc(64 * 1024, 7);
    const timer = setInterval(() => {
      if (req.destroyed) clearInterval(timer);
      else req.write(chunk);
    }, 20);
    req.on('close', () => clearInterval(timer));
  });
}

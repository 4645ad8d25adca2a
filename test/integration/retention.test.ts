/**
 * Retention: finished batches older than FILEMILL_RETENTION_DAYS are deleted with their
 * files by the sweep; running ones are kept whatever their age. What an upload cut short
 * left (files without a batch) is deleted at the next start of the one server, and by the
 * sweep once nobody has written to it for an hour — never while it is still being received.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getJson,
  listTree,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';

describe('retention', () => {
  let server: TestServer;
  before(async () => {
    // 0.00001 days ≈ 0.9 s: old enough to sweep after a short wait.
    server = await startTestServer({ retentionDays: 0.00001, concurrency: 1 });
  });
  after(() => server.close());

  it('deletes finished batches past the retention period, with their files, and keeps running ones', async () => {
    const done = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
    await waitForBatch(server.url, done.body.id);
    const running = await submit(server.url, [{ name: 'b.txt', data: 'b' }], {
      processor: 'sleep',
      settings: '{"ms": 60000}',
    });
    await waitForBatch(server.url, running.body.id, (b) => b.status === 'running');
    await new Promise((r) => setTimeout(r, 1200));

    const deleted = await server.filemill.service.sweepExpired();
    assert.equal(deleted, 1);
    assert.equal((await getJson(`${server.url}/api/batches/${done.body.id}`)).status, 404);
    assert.equal((await getJson(`${server.url}/api/batches/${running.body.id}`)).status, 200);
    const blobs = await listTree(`${server.dataDir}/blobs`);
    assert.ok(
      blobs.every((p) => p.startsWith(running.body.id)),
      blobs.join('\n'),
    );
    assert.ok(blobs.length > 0);
  });
});

/** Sets the times of `dir` and everything under it. */
async function setWrittenAt(dir: string, when: Date): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const path of [...entries.map((e) => join(e.parentPath, e.name)), dir]) await utimes(path, when, when);
}

/** Files of an upload that never became a batch, as a node that died mid-upload leaves them. */
async function leftUpload(dataDir: string, id: string, writtenAt = new Date()): Promise<void> {
  const dir = join(dataDir, 'blobs', id, 'in');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, '0'), 'half an upload');
  await setWrittenAt(join(dataDir, 'blobs', id), writtenAt);
}

describe('uploads cut short', () => {
  it('are deleted at the next start of an embedded server, whatever their age', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-orphans-'));
    await leftUpload(dataDir, 'b_cut_short');
    const server = await startTestServer({}, dataDir);
    try {
      assert.deepEqual(await readdir(join(dataDir, 'blobs')), []);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('are removed at once when the client goes away mid-file, and the server carries on', async () => {
    const server = await startTestServer({ concurrency: 1 });
    try {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      const boundary = 'cutshort';
      socket.write(
        `POST /api/batches HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
          `Content-Length: 10000000\r\n\r\n--${boundary}\r\nContent-Disposition: form-data; name="processor"\r\n\r\ncopy\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n`,
      );
      socket.write(Buffer.alloc(256 * 1024, 1));
      const blobs = join(server.dataDir, 'blobs');
      // The upload has reached storage: then the client goes away.
      for (let i = 0; (await readdir(blobs)).length === 0; i++) {
        assert.ok(i < 200, 'the upload should reach storage');
        await new Promise((r) => setTimeout(r, 25));
      }
      socket.destroy();
      for (let i = 0; (await readdir(blobs)).length > 0; i++) {
        assert.ok(i < 400, 'what the upload stored should be removed');
        await new Promise((r) => setTimeout(r, 25));
      }
      const next = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
      assert.equal(next.status, 202);
    } finally {
      await server.close();
    }
  });

  it('are swept once left alone for an hour, not while still written to (by another node, say)', async () => {
    const server = await startTestServer({ concurrency: 1 });
    try {
      const batch = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
      await waitForBatch(server.url, batch.body.id);
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      await setWrittenAt(join(server.dataDir, 'blobs', batch.body.id), twoHoursAgo);
      await leftUpload(server.dataDir, 'b_stale', twoHoursAgo);
      await leftUpload(server.dataDir, 'b_receiving');

      const deleted = await server.filemill.service.sweepOrphans(Date.now() - 3_600_000);
      assert.equal(deleted, 1);
      assert.deepEqual(
        (await readdir(join(server.dataDir, 'blobs'))).sort(),
        [batch.body.id, 'b_receiving'].sort(),
      );
    } finally {
      await server.close();
    }
  });
});

describe('an upload whose commit meets a database outage', () => {
  const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

  it('is removed when the database was never reached, and left to the sweep when the seal may have happened', async () => {
    const server = await startTestServer({ concurrency: 1 });
    const { store, service } = server.filemill;
    const sealBatch = store.sealBatch.bind(store);
    try {
      /** What storage holds after an upload whose seal failed with `error`. */
      const leftAfter = async (error: Error): Promise<string[]> => {
        store.sealBatch = async () => {
          throw error;
        };
        const refused = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'copy' });
        assert.equal(refused.status, 503);
        assert.equal(refused.body.error.code, 'NOT_READY');
        return readdir(join(server.dataDir, 'blobs'));
      };
      const refused = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
      assert.deepEqual(await leftAfter(refused), [], 'nothing can have been sealed: nothing is left');
      const left = await leftAfter(new Error('Connection terminated unexpectedly'));
      assert.equal(left.length, 1, 'the batch may be sealed: its rows and files stay');
      assert.equal((await store.existingBatchIds(left)).size, 1);
      // It was not: still receiving, its lease runs out and the sweep of abandoned uploads
      // deletes its rows and files.
      assert.equal(await service.sweepAbandonedUploads(Date.now()), 0, 'not while its lease lasts');
      assert.equal(await service.sweepAbandonedUploads(Date.now() + 3_600_000), 1);
      assert.deepEqual(await readdir(join(server.dataDir, 'blobs')), []);
      assert.equal((await store.existingBatchIds(left)).size, 0);
    } finally {
      store.sealBatch = sealBatch;
      await server.close();
    }
  });
});

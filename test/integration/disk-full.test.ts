/**
 * A full disk is a state, not a failure: on a small tmpfs holding the data folder (SQLite,
 * WAL and files), uploads are refused with 507 STORAGE_FULL and leave nothing behind, files
 * that meet the full disk wait in the queue without losing an attempt and run once space is
 * back, `/readyz` says so, and deleting a batch — the way to free space — works on a full disk.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  allFiles,
  getJson,
  listTree,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';
import { emptyDisk, fillDisk, itNeedsTmpfs, mountTmpfs, type Tmpfs } from '../support/tmpfs.js';
import { waitFor } from '../queue/job-queue.contract.js';

const MiB = 1024 * 1024;
const DISK_MIB = 64;
const MIN_FREE = 8 * MiB;

const mounted = await mountTmpfs(DISK_MIB);

if ('problem' in mounted) {
  itNeedsTmpfs('a full disk (tmpfs)', mounted.problem);
} else {
  describeFullDisk(mounted);
}

function describeFullDisk(tmpfs: Tmpfs): void {
  describe('a full disk', () => {
    let server: TestServer;
    const dataDir = join(tmpfs.dir, 'data');
    // Beside the data folder, on the same filesystem: what fills the disk is not ours.
    const filler = join(tmpfs.dir, 'filler');

    before(async () => {
      server = await startTestServer(
        { minFreeBytes: MIN_FREE, concurrency: 2, retentionDays: 0.00001 },
        dataDir,
        { reserveSpace: true },
      );
    });
    after(async () => {
      await server?.close();
      await tmpfs.unmount();
    });

    async function assertNothingLeft(): Promise<void> {
      const list = await getJson(`${server.url}/api/batches`);
      assert.deepEqual(list.body.items, [], 'no batch row');
      assert.deepEqual(await listTree(join(dataDir, 'blobs')), [], 'no stored file');
    }

    async function freeBytes(): Promise<number> {
      const stats = await statfs(tmpfs.dir);
      return stats.bavail * stats.bsize;
    }

    it('refuses an upload with 507 STORAGE_FULL before writing it, and /readyz says storage is full', async () => {
      // The server's reserve (a quarter of the threshold) counts as free: leave less than the rest.
      await fillDisk(filler, MIN_FREE / 2);
      try {
        const refused = await submit(server.url, [{ name: 'a.txt', data: 'x'.repeat(1000) }], {
          processor: 'copy',
        });
        assert.equal(refused.status, 507);
        assert.equal(refused.body.error.code, 'STORAGE_FULL');
        assert.doesNotMatch(refused.body.error.message, /\/tmp|filemill-tmpfs/);
        await assertNothingLeft();

        const ready = await getJson(`${server.url}/readyz`);
        assert.equal(ready.status, 503);
        assert.equal(ready.body.error.code, 'STORAGE_FULL');
        assert.equal(ready.body.storage, 'full');
        assert.ok(ready.body.freeBytes < MIN_FREE);
      } finally {
        await emptyDisk(filler);
      }
      const ready = await getJson(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.storage, 'ok');
    });

    it('answers 507 STORAGE_FULL and keeps nothing when the disk fills during an upload', async () => {
      // Above the threshold, so the upload starts; its file is larger than what is left.
      await fillDisk(filler, MIN_FREE + 4 * MiB);
      try {
        const refused = await submit(server.url, [{ name: 'big.bin', data: Buffer.alloc(16 * MiB, 7) }], {
          processor: 'copy',
        });
        assert.equal(refused.status, 507);
        assert.equal(refused.body.error.code, 'STORAGE_FULL');
        await assertNothingLeft();
      } finally {
        await emptyDisk(filler);
      }
    });

    it('puts files that meet a full disk back in the queue without an attempt, pauses, and runs them all once space is back', async () => {
      // Where the test processors may look (a sandboxed worker sees nothing else of the host).
      const gate = join(process.env.FILEMILL_TEST_STATE_DIR!, `gate-${Date.now()}`);
      const files = Array.from({ length: 6 }, (_, i) => ({
        name: `f${i}.bin`,
        data: Buffer.alloc(256 * 1024, i),
      }));
      const submitted = await submit(server.url, files, {
        processor: 'gate',
        settings: JSON.stringify({ path: gate }),
      });
      assert.equal(submitted.status, 202);
      const id: string = submitted.body.id;
      await waitForBatch(server.url, id, (b) => b.counts.running === 2);

      // The two running files write their outputs only once the disk is full.
      await fillDisk(filler);
      try {
        await writeFile(gate, '');
        const paused = await waitForBatch(server.url, id, (b) => b.counts.running === 0);
        assert.equal(paused.counts.queued, 6, JSON.stringify(paused.counts));
        assert.equal((await getJson(`${server.url}/readyz`)).body.error?.code, 'STORAGE_FULL');
        // Paused: however long it waits, no file starts (and none fails) while the disk is full.
        await new Promise((r) => setTimeout(r, 1500));
        const still = await getJson(`${server.url}/api/batches/${id}`);
        assert.deepEqual(still.body.counts, paused.counts);
        const waiting = await allFiles(server.url, id);
        assert.ok(
          waiting.every((f) => f.status === 'queued' && f.attempts === 0),
          JSON.stringify(waiting.map((f) => [f.status, f.attempts])),
        );
        const requeued = waiting.filter((f) => f.error?.code === 'STORAGE_FULL');
        assert.equal(requeued.length, 2, 'the two runs that met the full disk say why they wait');
      } finally {
        await emptyDisk(filler);
      }

      const done = await waitForBatch(server.url, id);
      assert.equal(done.status, 'completed');
      const results = await allFiles(server.url, id);
      assert.deepEqual(
        results.map((f) => [f.status, f.attempts, f.error]),
        files.map(() => ['succeeded', 1, null]),
      );
      const events = await server.filemill.store.listEvents(id, 0, 1000);
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_, i) => i + 1),
        'the event log is gap-free',
      );
      const backInQueue = events.filter(
        (e) =>
          e.type === 'file.retrying' && e.file?.status === 'queued' && e.file.error?.code === 'STORAGE_FULL',
      );
      assert.equal(backInQueue.length, 2);
      assert.equal(events.at(-1)?.type, 'batch.completed');
    });

    it('deletes a batch on a full disk: its files go first, then its rows', async () => {
      const files = Array.from({ length: 2 }, (_, i) => ({
        name: `d${i}.bin`,
        data: Buffer.alloc(2 * MiB, i),
      }));
      const submitted = await submit(server.url, files, { processor: 'copy' });
      const id: string = submitted.body.id;
      await waitForBatch(server.url, id);
      await fillDisk(filler);
      try {
        const before = await freeBytes();
        const response = await fetch(`${server.url}/api/batches/${id}`, { method: 'DELETE' });
        assert.equal(response.status, 204, await response.text());
        assert.equal((await getJson(`${server.url}/api/batches/${id}`)).status, 404);
        const left = (await listTree(join(dataDir, 'blobs'))).filter((p) => p.startsWith(id));
        assert.deepEqual(left, []);
        assert.ok((await freeBytes()) > before + 6 * MiB, 'its inputs and outputs were freed');
      } finally {
        await emptyDisk(filler);
      }
    });

    it('sweeps expired batches on a full disk', async () => {
      const submitted = await submit(server.url, [{ name: 'r.bin', data: Buffer.alloc(MiB, 3) }], {
        processor: 'copy',
      });
      const id: string = submitted.body.id;
      await waitForBatch(server.url, id);
      // Retention here is 0.00001 days (< 1 s).
      await waitFor('the batch to expire', async () => {
        const batch = await server.filemill.store.getBatch(id);
        return batch !== null && Date.now() - (batch.finishedAt ?? Date.now()) > 1000;
      });
      await fillDisk(filler);
      try {
        assert.ok((await server.filemill.service.sweepExpired()) >= 1);
        assert.equal((await getJson(`${server.url}/api/batches/${id}`)).status, 404);
        assert.deepEqual(
          (await listTree(join(dataDir, 'blobs'))).filter((p) => p.startsWith(id)),
          [],
        );
      } finally {
        await emptyDisk(filler);
      }
    });
  });
}

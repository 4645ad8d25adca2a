/**
 * The upload overlapped with the work (issue 17): files run while the rest of their batch
 * still arrives, the batch shows only once the upload is whole, and an upload refused or cut
 * off after its first files ran leaves nothing — no batch, no file row, no event, no stored
 * byte, no output — whether the server refuses it, the client goes away, or the server is
 * killed under it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, listTree, startTestServer, type TestServer } from './support/server.js';
import { TrickleUpload, batchFolders, waitForFirstOutput } from './support/trickle-upload.js';
import { assertReadable, kill9, waitFor } from './support/faults.js';
import { withSetup, type Db } from './support/fault-setup.js';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';

const pgProblem = await postgresProblem();

describe('an upload overlapped with the work', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxFilesPerBatch: 3, maxFileBytes: 1000, maxBatchBytes: 1500 });
  });
  after(() => server.close());

  /** Until the server's own store shows file `index` of batch `id` succeeded. */
  async function waitForSucceeded(id: string, index: number): Promise<void> {
    await waitFor(`file ${index} of ${id} succeeded`, async () => {
      const file = await server.filemill.store.getFile(id, index);
      return file?.status === 'succeeded';
    });
  }

  /** Nothing of batch `id` anywhere: not listed, not readable, no row, no event, no blob. */
  async function assertNothingOf(id: string): Promise<void> {
    const list = await getJson(`${server.url}/api/batches`);
    assert.ok(!list.body.items.some((b: { id: string }) => b.id === id), 'not listed');
    assert.equal((await getJson(`${server.url}/api/batches/${id}`)).status, 404);
    const { store } = server.filemill;
    assert.deepEqual([...(await store.existingBatchIds([id]))], [], 'no batch row');
    assert.deepEqual((await store.listFiles(id, { limit: 10 })).items, [], 'no file row');
    assert.deepEqual(await store.listEvents(id, 0, 10), [], 'no event');
    assert.ok(!(await batchFolders(server.dataDir)).includes(id), 'no input, no output');
  }

  it('runs the first files while the rest arrives, then shows, reports and zips the whole batch', async () => {
    const known = await batchFolders(server.dataDir);
    const upload = new TrickleUpload(server.url).field('processor', 'copy').file('trip/a.txt', 'first');
    const id = await waitForFirstOutput(server.dataDir, known);
    await waitForSucceeded(id, 0);
    // Running, but not seen: the upload is not whole.
    assert.equal((await getJson(`${server.url}/api/batches/${id}`)).status, 404);
    assert.deepEqual((await getJson(`${server.url}/api/batches`)).body.items, []);
    const endedAt = Date.now();
    const answer = await upload.file('trip/b.txt', 'second').end();
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(answer.body.id, id);
    assert.equal(answer.body.totalFiles, 2);

    const batch = await assertReadable(server.url, id, { inputs: ['first', 'second'] });
    assert.equal(batch.status, 'completed');
    const files = (await getJson(`${server.url}/api/batches/${id}/files`)).body.items;
    assert.ok(Date.parse(files[0].finishedAt) <= endedAt, 'the first file ended before the upload did');
    assert.deepEqual(
      files.map((f: { name: string }) => f.name),
      ['trip/a.txt', 'trip/b.txt'],
    );
  });

  const refusals: Array<[string, (upload: TrickleUpload) => Promise<unknown>, number, string]> = [
    [
      'more files than the limit',
      (u) => u.file('b.txt', 'b').file('c.txt', 'c').file('d.txt', 'd').end(),
      413,
      'TOO_MANY_FILES',
    ],
    [
      'a file over the per-file limit',
      (u) => u.file('big.bin', Buffer.alloc(1001)).end(),
      413,
      'FILE_TOO_LARGE',
    ],
    [
      'files over the per-batch limit together',
      (u) => u.file('b.bin', Buffer.alloc(1000)).file('c.bin', Buffer.alloc(1000)).end(),
      413,
      'BATCH_TOO_LARGE',
    ],
    [
      'a setting sent after the files began to run',
      (u) => u.field('settings', '{}').file('b.txt', 'b').end(),
      400,
      'INVALID_REQUEST',
    ],
  ];

  for (const [what, rest, status, code] of refusals) {
    it(`refuses ${what} after the first file ran, and keeps nothing of it`, async () => {
      const known = await batchFolders(server.dataDir);
      const upload = new TrickleUpload(server.url).field('processor', 'copy').file('a.txt', 'first');
      const id = await waitForFirstOutput(server.dataDir, known);
      const answer = (await rest(upload)) as { status: number; body: any };
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, code);
      await assertNothingOf(id);
    });
  }

  it('keeps nothing of an upload whose client went away after its first file ran', async () => {
    const known = await batchFolders(server.dataDir);
    const upload = new TrickleUpload(server.url).field('processor', 'copy').file('a.txt', 'first');
    const id = await waitForFirstOutput(server.dataDir, known);
    upload.abort();
    await waitFor('the dropped upload is discarded', async () => {
      const rows = await server.filemill.store.existingBatchIds([id]);
      return rows.size === 0 && !(await batchFolders(server.dataDir)).includes(id);
    });
    await assertNothingOf(id);
  });
});

describe('an upload under a server killed mid-way', () => {
  for (const db of ['sqlite', 'postgres'] as const satisfies readonly Db[]) {
    if (db === 'postgres' && pgProblem !== null) {
      itNeedsService('leaves nothing on PostgreSQL', 'PostgreSQL', 'FILEMILL_TEST_DATABASE_URL', pgProblem);
      continue;
    }
    it(`leaves nothing once the server is back (${db})`, async (t) => {
      // A short upload lease: on PostgreSQL another node may be receiving it, so only a lease
      // that ran out marks it dead.
      const env = { FILEMILL_LEASE_MS: '1000', FILEMILL_SWEEP_INTERVAL_MS: '1000' };
      await withSetup(t, db, env, async (setup) => {
        const first = await setup.serve({ concurrency: 1 });
        const upload = new TrickleUpload(first.url).field('processor', 'copy').file('a.txt', 'first');
        const id = await waitForFirstOutput(setup.opts.dataDir);
        await kill9(first);
        await assert.rejects(upload.answer, 'the connection drops with the server');

        const second = await setup.serve({ concurrency: 1 });
        await waitFor('the abandoned upload is deleted', async () => {
          const blobs = await listTree(setup.blobs);
          return blobs.length === 0;
        });
        assert.equal((await getJson(`${second.url}/api/batches/${id}`)).status, 404);
        assert.deepEqual((await getJson(`${second.url}/api/batches`)).body.items, []);
        // The server still takes uploads: one after the restart runs to its end.
        const again = await new TrickleUpload(second.url).field('processor', 'copy').file('b.txt', 'b').end();
        assert.equal(again.status, 202, JSON.stringify(again.body));
        await assertReadable(second.url, again.body.id, { inputs: ['b'] });
      });
    });
  }
});

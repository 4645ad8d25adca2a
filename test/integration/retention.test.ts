/**
 * Retention: finished batches older than FILEMILL_RETENTION_DAYS are deleted with their
 * files by the sweep; running ones are kept whatever their age.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

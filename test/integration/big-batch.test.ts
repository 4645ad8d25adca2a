/**
 * A 10,000-file batch (issue 17), with the limit raised in config and a processor that only
 * copies: accepted in one request, every file ends once, and everything a client reads
 * afterwards holds all of them — the files page by page, the event stream to its end, the
 * report and the ZIP. Speed and memory are the benchmark's (`npm run bench big`), not this.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';
import { followSseToEnd } from './support/sse.js';
import { readZip } from './support/zip.js';

const FILES = 10_000;

describe(`a batch of ${FILES} files`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxFilesPerBatch: FILES, concurrency: 2 });
  });
  after(() => server.close());

  it('is accepted, runs every file once, and reads whole: files, events, report, ZIP', async () => {
    const inputs = Array.from({ length: FILES }, (_, i) => ({
      name: `set/${i % 10}/f${i}.txt`,
      data: `file ${i}`,
    }));
    const answer = await submit(server.url, inputs, { processor: 'copy' });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(answer.body.totalFiles, FILES);
    const id = answer.body.id as string;

    const batch = await waitForBatch(server.url, id, undefined, 600_000);
    assert.equal(batch.status, 'completed');
    assert.equal(batch.counts.succeeded, FILES);

    const seen: number[] = [];
    for (let cursor: string | null = null; ;) {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page = await getJson(`${server.url}/api/batches/${id}/files?limit=1000${query}`);
      assert.equal(page.status, 200);
      for (const file of page.body.items) {
        assert.equal(file.status, 'succeeded', `file ${file.index}`);
        assert.equal(file.attempts, 1, `file ${file.index} ran once`);
        seen.push(file.index);
      }
      cursor = page.body.nextCursor;
      if (cursor === null) break;
    }
    assert.deepEqual(
      seen,
      inputs.map((_, i) => i),
    );

    const events = await followSseToEnd(
      `${server.url}/api/batches/${id}/events`,
      (e) => e.data.type === 'batch.completed',
      300_000,
    );
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_, i) => i + 1),
      'the stream is gap-free from seq 1',
    );
    assert.equal(events[0]?.data.type, 'batch.queued');
    const succeededEvents = new Set(
      events.filter((e) => e.data.type === 'file.succeeded').map((e) => e.data.file.index),
    );
    assert.equal(succeededEvents.size, FILES, 'one file.succeeded per file');

    const report = await getJson(`${server.url}/api/batches/${id}/report.json`);
    assert.equal(report.body.files.length, FILES);
    const zip = await fetch(`${server.url}/api/batches/${id}/results.zip`);
    assert.equal(zip.status, 200);
    const entries = await readZip(Buffer.from(await zip.arrayBuffer()));
    assert.equal(entries.size, FILES + 1, 'every output and report.json');
    assert.equal(entries.get('set/7/f4567.txt')?.toString(), 'file 4567');
  });
});

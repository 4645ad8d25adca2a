/**
 * A processor's combined analysis across the batch (`aggregate`): made in a worker once the
 * batch ends, stored with the batch, shown in report.json (and the ZIP's copy), made again
 * after a retry; when it fails, the report comes without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  getJson,
  postJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';
import { readZip } from './support/zip.js';

describe('batch aggregate', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const files = [
    { name: 'docs/a.txt', data: 'one two three' },
    { name: 'docs/b.txt', data: 'fail-once four five' },
    { name: 'c.txt', data: 'six' },
  ];

  it('adds up the succeeded files in a worker, and again after a retry', async () => {
    const { status, body } = await submit(server.url, files, { processor: 'words' });
    assert.equal(status, 202);
    const ended = await waitForBatch(server.url, body.id);
    assert.equal(ended.status, 'completed_with_errors');

    const first = await getJson(`${server.url}/api/batches/${body.id}/report.json`);
    assert.equal(first.status, 200);
    const { pid, ...aggregate } = first.body.aggregate;
    assert.deepEqual(aggregate, { documents: 2, words: 4, names: ['docs/a.txt', 'c.txt'] });
    assert.equal(typeof pid, 'number');
    assert.notEqual(pid, process.pid, 'the aggregate runs in a worker process, not in the server');

    const retried = await postJson(`${server.url}/api/batches/${body.id}/retry`);
    assert.equal(retried.status, 200);
    await waitForBatch(server.url, body.id, (b) => b.status === 'completed');
    const second = await getJson(`${server.url}/api/batches/${body.id}/report.json`);
    assert.equal(second.body.aggregate.documents, 3);
    assert.equal(second.body.aggregate.words, 7);

    const download = await fetch(`${server.url}/api/batches/${body.id}/results.zip`);
    const zip = await readZip(Buffer.from(await download.arrayBuffer()));
    const report = JSON.parse(zip.get('report.json')?.toString('utf8') ?? '{}');
    assert.equal(report.aggregate.words, 7, "the ZIP's report.json holds it too");
  });

  it('serves the report without an aggregate when the aggregate fails', async () => {
    const { body } = await submit(server.url, files.slice(0, 1), {
      processor: 'words',
      settings: '{"failAggregate": true}',
    });
    const ended = await waitForBatch(server.url, body.id);
    assert.equal(ended.status, 'completed', 'the batch keeps its state');
    const report = await getJson(`${server.url}/api/batches/${body.id}/report.json`);
    assert.equal(report.status, 200);
    assert.equal(report.body.summary.succeeded, 1);
    assert.equal('aggregate' in report.body, false);
  });

  it('gives processors without an aggregate none', async () => {
    const { body } = await submit(server.url, files.slice(0, 1), { processor: 'copy' });
    await waitForBatch(server.url, body.id);
    const report = await getJson(`${server.url}/api/batches/${body.id}/report.json`);
    assert.equal('aggregate' in report.body, false);
  });
});

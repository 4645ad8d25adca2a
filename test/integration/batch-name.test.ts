/**
 * A batch's name (issue 18): the optional `name` field of an upload, cleaned and kept with
 * the batch, shown in its view and the list, and the stem of its downloads' names; the
 * file view's output type and CPU time, which the page's details panel shows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanBatchName, downloadName, MAX_BATCH_NAME } from '../../src/core/batch-name.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/cli/api-client.js';
import { batchNameOf } from '../../src/cli/submit.js';
import { uploadBatch } from '../../src/cli/upload.js';
import type { MetadataStore } from '../../src/core/ports.js';
import { createPostgresMetadataStore } from '../../src/store/postgres-metadata-store.js';
import { createSqliteMetadataStore } from '../../src/store/sqlite-metadata-store.js';
import { makeBatch } from '../store/contract/fixtures.js';
import { ownDatabase, postgresProblem, TestSchemas } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import { getJson, startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';

const problem = await postgresProblem();

const files = [
  { name: 'trip/a.txt', data: 'a' },
  { name: 'trip/b.txt', data: 'b' },
];

describe('a batch name', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.close());

  async function named(name: string | undefined): Promise<any> {
    const fields: Record<string, string> = { processor: 'copy' };
    if (name !== undefined) fields.name = name;
    const sent = await submit(server.url, files, fields);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    return waitForBatch(server.url, sent.body.id);
  }

  it('is kept and shown in the batch and in the list', async () => {
    const batch = await named('trip');
    assert.equal(batch.name, 'trip');
    const list = (await getJson(`${server.url}/api/batches`)).body.items;
    assert.equal(list.find((b: { id: string }) => b.id === batch.id)?.name, 'trip');
  });

  it('is null when none is sent, or nothing is left of it', async () => {
    assert.equal((await named(undefined)).name, null);
    assert.equal((await named(' \t\u0007 ')).name, null);
  });

  it('is trimmed, its control characters removed and its spaces made one', async () => {
    const batch = await named('  Summer\u0000 \u202etrip\n\n2026  ');
    assert.equal(batch.name, 'Summer trip 2026');
  });

  it('is refused longer than 100 characters, with a sentence saying so, and nothing kept', async () => {
    const before = (await getJson(`${server.url}/api/batches`)).body.items.length;
    const sent = await submit(server.url, files, { processor: 'copy', name: 'x'.repeat(101) });
    assert.equal(sent.status, 400);
    assert.equal(sent.body.error.code, 'INVALID_REQUEST');
    assert.equal(sent.body.error.message, 'The batch name is 101 characters long: give at most 100.');
    assert.equal((await getJson(`${server.url}/api/batches`)).body.items.length, before);
    // 100 characters, some of them outside the BMP: counted as characters, not UTF-16 units.
    assert.equal((await named('😀'.repeat(100))).name, '😀'.repeat(100));
  });

  it('is refused after the files, as the other fields are', async () => {
    const body = new FormData();
    body.append('processor', 'copy');
    body.append('files', new Blob(['a']), 'trip/a.txt');
    body.append('name', 'trip');
    const response = await fetch(`${server.url}/api/batches`, { method: 'POST', body });
    const answer = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(response.status, 400);
    assert.equal(answer.error.code, 'INVALID_REQUEST');
    assert.match(answer.error.message, /The field "name" came after the files/);
  });

  it('names the downloads: <name>-results.zip, -report.json, -report.csv', async () => {
    const batch = await named('trip');
    const base = `${server.url}/api/batches/${batch.id}`;
    const names: Record<string, string> = {
      'results.zip': 'attachment; filename="trip-results.zip"; filename*=UTF-8\'\'trip-results.zip',
      'report.json': 'attachment; filename="trip-report.json"; filename*=UTF-8\'\'trip-report.json',
      'report.csv': 'attachment; filename="trip-report.csv"; filename*=UTF-8\'\'trip-report.csv',
    };
    for (const [what, disposition] of Object.entries(names)) {
      const response = await fetch(`${base}/${what}`);
      await response.arrayBuffer();
      assert.equal(response.status, 200, what);
      assert.equal(response.headers.get('content-disposition'), disposition);
    }
  });

  it('names the downloads batch-<id>-… without a name', async () => {
    const batch = await named(undefined);
    const response = await fetch(`${server.url}/api/batches/${batch.id}/results.zip`);
    await response.arrayBuffer();
    assert.match(
      response.headers.get('content-disposition')!,
      new RegExp(`filename="batch-${batch.id}-results.zip"`),
    );
  });

  it('gives a name beyond ASCII in filename* (RFC 6266), and keeps path characters out', async () => {
    const batch = await named('Été/../ à Kyoto: 京都');
    assert.equal(batch.name, 'Été/../ à Kyoto: 京都');
    const response = await fetch(`${server.url}/api/batches/${batch.id}/report.csv`);
    await response.arrayBuffer();
    const disposition = response.headers.get('content-disposition')!;
    assert.match(disposition, /^attachment; filename="_t__.._ _ Kyoto_ __-report.csv"; /);
    assert.equal(
      decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!),
      'Été_.._ à Kyoto_ 京都-report.csv',
    );
  });

  it("is the folder's name when `filemill submit <folder>` sends one folder", async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'filemill-name-'));
    try {
      const folder = join(scratch, 'Summer trip');
      await writeFile(join(scratch, 'loose.txt'), 'x');
      await mkdir(folder);
      await writeFile(join(folder, 'a.txt'), 'a');
      assert.equal(await batchNameOf([`${folder}/`]), 'Summer trip');
      assert.equal(await batchNameOf([join(scratch, 'loose.txt')]), undefined);
      assert.equal(await batchNameOf([folder, scratch]), undefined);
      const name = await batchNameOf([folder]);
      const client = new ApiClient(server.url, {});
      const sent = await uploadBatch(
        client,
        [{ path: join(folder, 'a.txt'), name: 'Summer trip/a.txt', size: 1 }],
        { processor: 'copy', name },
        () => {},
      );
      assert.equal((await waitForBatch(server.url, sent.id)).name, 'Summer trip');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("shows a finished file's output type and CPU time in its view", async () => {
    const batch = await named('trip');
    const file = (await getJson(`${server.url}/api/batches/${batch.id}/files/0`)).body;
    assert.equal(file.outputType, 'text/plain');
    assert.equal(typeof file.cpuMs, 'number');
  });
});

describe('cleanBatchName and downloadName', () => {
  it('keep a name as it was given when it is clean', () => {
    assert.equal(cleanBatchName('trip'), 'trip');
    assert.equal(MAX_BATCH_NAME, 100);
  });

  it('make a file name that hides nothing and climbs no folder', () => {
    assert.equal(downloadName({ id: 'b_1', name: '..hidden.' }, 'results.zip'), 'hidden-results.zip');
    assert.equal(downloadName({ id: 'b_1', name: 'a\\b:c' }, 'report.csv'), 'a_b_c-report.csv');
    assert.equal(downloadName({ id: 'b_1', name: '...' }, 'report.csv'), 'batch-report.csv');
  });
});

describe('a batch name in the store', () => {
  async function roundTrip(store: MetadataStore): Promise<void> {
    try {
      await store.migrate();
      const named = { ...makeBatch(), name: 'trip' };
      await store.createBatch(named);
      assert.equal((await store.getBatch(named.id))?.name, 'trip');
      const unnamed = makeBatch({ createdAt: Date.now() });
      await store.createBatch(unnamed);
      assert.equal((await store.getBatch(unnamed.id))?.name, null);
    } finally {
      await store.close();
    }
  }

  it('is kept by SQLite', () => roundTrip(createSqliteMetadataStore({ path: ':memory:' })));

  if (problem !== null) {
    itNeedsService('is kept by PostgreSQL', 'PostgreSQL', 'postgres', problem);
  } else {
    it('is kept by PostgreSQL', async () => {
      const database = await ownDatabase();
      const schemas = new TestSchemas(database.url);
      try {
        await roundTrip(createPostgresMetadataStore({ url: database.url, schema: schemas.fresh() }));
      } finally {
        await schemas.drop();
        await database.drop();
      }
    });
  }
});

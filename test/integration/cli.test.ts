/**
 * The `filemill` batch commands end to end, as a person or a script runs them: a real
 * server, the CLI as its own process, real output folders.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filemill as runCli, startFilemillCli } from './support/cli.js';
import { isFinalBatch } from '../../src/core/model.js';
import {
  getJson,
  listTree,
  postJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';

const filemill = (...args: string[]) => runCli(args);

describe('filemill batch commands', () => {
  let server: TestServer;
  let out: string;
  before(async () => {
    server = await startTestServer({ concurrency: 1 });
    out = await mkdtemp(join(tmpdir(), 'filemill-cli-'));
  });
  after(async () => {
    await server.close();
    await rm(out, { recursive: true, force: true });
  });

  it('lists batches, shows one with its failures, and downloads its outputs in their layout', async () => {
    const { body } = await submit(
      server.url,
      [
        { name: 'docs/a.txt', data: 'alpha' },
        { name: 'docs/deep/b.txt', data: 'beta' },
      ],
      { processor: 'copy' },
    );
    await waitForBatch(server.url, body.id);

    const ls = await filemill('ls', '--server', server.url, '--json');
    assert.equal(ls.code, 0, ls.stderr);
    assert.ok(JSON.parse(ls.stdout).items.some((b: any) => b.id === body.id));

    const status = await filemill('status', body.id, '--server', server.url);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`${body.id}\\s+completed\\s+100%\\s+2 files \\(2 succeeded`));

    const download = await filemill('download', body.id, '--out', out, '--server', server.url);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stdout, /3 files written/);
    assert.deepEqual((await listTree(out)).sort(), ['docs/a.txt', 'docs/deep/b.txt', 'report.json']);
    assert.equal(await readFile(join(out, 'docs/deep/b.txt'), 'utf8'), 'beta');
  });

  it('cancels a file and a batch, and retries, printing the batch after each', async () => {
    const { body } = await submit(
      server.url,
      [0, 1].map((i) => ({ name: `${i}.txt`, data: 'x' })),
      {
        processor: 'sleep',
        settings: '{"ms": 60000}',
      },
    );
    const one = await filemill('cancel', body.id, '--file', '1', '--server', server.url, '--json');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(JSON.parse(one.stdout).counts.cancelled, 1);
    const all = await filemill('cancel', body.id, '--server', server.url);
    assert.equal(all.code, 0, all.stderr);
    await waitForBatch(server.url, body.id);
    const retried = await filemill('retry', body.id, '--file', '1', '--server', server.url, '--json');
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(JSON.parse(retried.stdout).status, 'running');
    await filemill('cancel', body.id, '--server', server.url);
  });

  it('watches a batch live until it ends, exiting 0 only when every file succeeded', async () => {
    const good = await submit(
      server.url,
      [0, 1, 2].map((i) => ({ name: `${i}.txt`, data: 'x' })),
      {
        processor: 'sleep',
        settings: '{"ms": 200}',
      },
    );
    const watched = await filemill('status', good.body.id, '--watch', '--server', server.url);
    assert.equal(watched.code, 0, watched.stderr);
    const lines = watched.stdout.trimEnd().split('\n');
    assert.match(lines.at(-1)!, new RegExp(`${good.body.id}\\s+completed\\s+100%\\s+3 succeeded`));
    assert.ok(lines.length >= 3, 'a line per change');

    const bad = await submit(server.url, [{ name: 'x.txt', data: 'x' }], { processor: 'fail' });
    const json = await filemill('status', bad.body.id, '--watch', '--json', '--server', server.url);
    assert.equal(json.code, 1);
    const events = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
    assert.equal(events.at(-1).type, 'batch.failed');
  });

  it('stops watching, quietly, when its reader goes away (`| head`)', async () => {
    // A minute's run reporting its progress every second: an event, and a line, each second.
    const slow = await submit(server.url, [{ name: 'slow.txt', data: 'x' }], {
      processor: 'sleep',
      settings: '{"ms": 60000, "steps": 60}',
    });
    const watching = startFilemillCli(['status', slow.body.id, '--watch', '--json', '--server', server.url]);
    while (watching.stdout() === '') await new Promise((resolve) => setTimeout(resolve, 25));
    watching.child.stdout!.destroy();
    const ended = await watching.exited;
    assert.equal(ended.code, 0);
    assert.equal(ended.stderr, '');
    const { body } = await getJson(`${server.url}/api/batches/${slow.body.id}`);
    assert.ok(!isFinalBatch(body.status), `it ended at its next line, not with the batch (${body.status})`);
    await postJson(`${server.url}/api/batches/${slow.body.id}/cancel`);
    await waitForBatch(server.url, slow.body.id);
  });

  it('watches a retried batch past its earlier end, to the end of the retry', async () => {
    const { body } = await submit(
      server.url,
      [0, 1].map((i) => ({ name: `${i}.txt`, data: 'x' })),
      { processor: 'sleep', settings: '{"ms": 300}' },
    );
    await postJson(`${server.url}/api/batches/${body.id}/files/1/cancel`);
    await waitForBatch(server.url, body.id);
    await postJson(`${server.url}/api/batches/${body.id}/retry`);
    const watched = await filemill('status', body.id, '--watch', '--json', '--server', server.url);
    assert.equal(watched.code, 0, watched.stderr);
    const types = watched.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).type);
    assert.deepEqual(
      types.filter((t) => t.startsWith('batch.') && t !== 'batch.progress' && t !== 'batch.queued'),
      ['batch.started', 'batch.completed', 'batch.started', 'batch.completed'],
    );
    assert.equal(types.at(-1), 'batch.completed');
  });

  it('prints the error code and message in one line and exits 1', async () => {
    const missing = await filemill('status', 'b_0000000000000000000000000', '--server', server.url);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^filemill: NOT_FOUND: There is no batch b_0+\.\n$/);
    const down = await filemill('ls', '--server', 'http://127.0.0.1:1');
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:1/);
    const usage = await filemill('cancel', 'b_x', '--file', 'two', '--server', server.url);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /whole number/);
  });
});

describe('filemill migrate, serve and worker against services that are not there', () => {
  it('migrates the database and says so; an unreachable one, or a bad combination, is one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'filemill-migrate-'));
    try {
      const migrated = await runCli(['migrate', '--data-dir', dir]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stderr, /^filemill: SQLite in the data folder is up to date\n$/);
      assert.ok((await listTree(dir)).includes('filemill.db'), 'the SQLite database was made');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const down = await runCli(['migrate'], {
      FILEMILL_DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/x',
    });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^filemill: NOT_READY: the database \(postgres:\/\/nobody@127\.0\.0\.1:1\/x\) cannot be reached or prepared: .*ECONNREFUSED.*\n$/,
    );
    assert.ok(!down.stderr.includes('secret'), 'no password in the message');
    const noRedis = await runCli(['worker'], {
      FILEMILL_QUEUE: 'bullmq',
      FILEMILL_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      FILEMILL_REDIS_URL: 'redis://127.0.0.1:1',
    });
    assert.equal(noRedis.code, 1);
    assert.match(
      noRedis.stderr,
      /^filemill: NOT_READY: Redis at redis:\/\/127\.0\.0\.1:1 cannot be reached: .*ECONNREFUSED.*\n$/,
    );
    const sqlite = await runCli(['worker'], {
      FILEMILL_QUEUE: 'bullmq',
      FILEMILL_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    assert.equal(sqlite.code, 2);
    assert.match(sqlite.stderr, /FILEMILL_QUEUE: bullmq needs PostgreSQL \(FILEMILL_DATABASE_URL\)/);
  });
});

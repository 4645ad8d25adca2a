/**
 * Runs the MetadataStore behaviour suite on SQLite (a file in WAL mode, a fresh one per
 * test), plus what only SQLite has: the file's journal mode and `openMetadataStore`'s
 * default location.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { SQLITE_FILE_NAME, openMetadataStore } from '../../src/store/index.js';
import { createSqliteMetadataStore, sqliteDriver } from '../../src/store/sqlite-metadata-store.js';
import { T0, assertLogSurvivesReopen, makeBatch } from './contract/fixtures.js';
import { describeMetadataStore } from './metadata-store.contract.js';

const execFileAsync = promisify(execFile);
const storeModule = new URL('../../src/store/sqlite-metadata-store.ts', import.meta.url).href;

let dir = '';
let opened = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'filemill-store-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeMetadataStore('sqlite', async () => {
  opened += 1;
  const store = createSqliteMetadataStore({ path: join(dir, `contract-${opened}.db`) });
  await store.migrate();
  return store;
});

describe('SqliteMetadataStore', () => {
  it('keeps its database in WAL mode, and what it committed survives a reopen', async () => {
    const path = join(dir, 'durable.db');
    const input = makeBatch({ createdAt: T0, files: 2 });
    const first = createSqliteMetadataStore({ path });
    await first.migrate();
    await first.createBatch(input);
    await first.close();

    const Driver = sqliteDriver();
    const raw = new Driver(path, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      raw.close();
    }
    const second = createSqliteMetadataStore({ path });
    await second.migrate();
    try {
      assert.equal((await second.getBatch(input.id))?.totalFiles, 2);
    } finally {
      await second.close();
    }
  });

  it('keeps the event log across a reopen of the file and numbers on from where it stopped', async () => {
    const path = join(dir, 'events.db');
    await assertLogSurvivesReopen(async () => {
      const store = createSqliteMetadataStore({ path });
      await store.migrate();
      return store;
    });
  });

  it('works in memory for tests', async () => {
    const store = createSqliteMetadataStore({ path: ':memory:' });
    await store.migrate();
    try {
      const input = makeBatch();
      await store.createBatch(input);
      assert.equal((await store.allFiles(input.id)).length, 3);
    } finally {
      await store.close();
    }
  });

  it('lets two processes migrate the same new file at once', async () => {
    const path = join(dir, 'shared.db');
    // Separate processes, as in production: in one process a second connection waiting on
    // the file lock would block the very event loop the first one needs to finish.
    const script = [
      `import { createSqliteMetadataStore } from ${JSON.stringify(storeModule)};`,
      `const store = createSqliteMetadataStore({ path: ${JSON.stringify(path)} });`,
      'await store.migrate();',
      'await store.close();',
    ].join('\n');
    const run = () =>
      execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    await Promise.all([run(), run()]);
    const store = createSqliteMetadataStore({ path });
    try {
      await store.migrate();
      const input = makeBatch();
      await store.createBatch(input);
      assert.equal((await store.getBatch(input.id))?.totalFiles, 3);
    } finally {
      await store.close();
    }
  });

  it('is what openMetadataStore opens without a database URL, in the data folder', async () => {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const store = await openMetadataStore({ dataDir });
    try {
      assert.equal(store.kind, 'sqlite');
      await store.migrate();
      assert.ok((await stat(join(dataDir, SQLITE_FILE_NAME))).isFile());
    } finally {
      await store.close();
    }
    await assert.rejects(openMetadataStore({ dataDir, databaseUrl: 'mysql://db/filemill' }), /postgres/);
  });
});

describe('sqliteDriver', () => {
  it('uses the compiled better-sqlite3 12 on Node 20 and the Node-API 13 build from Node 22 on', () => {
    const v12 = sqliteDriver(20);
    const v13 = sqliteDriver(24);
    assert.notEqual(v12, v13);
    assert.equal(sqliteDriver(22), v13);
    // Load only the one this Node can run: 13 crashes on Node 20, 12 aborts on Node ≥ 24.19.
    const Driver = sqliteDriver();
    const db = new Driver(':memory:');
    assert.equal((db.prepare('select 41 + 1 as n').get() as { n: number }).n, 42);
    db.close();
  });
});

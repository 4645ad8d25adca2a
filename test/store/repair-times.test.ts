/**
 * Data folders written by versions whose start-up recovery stored `Number.MAX_SAFE_INTEGER`
 * as a time: until repaired, every read shows such a time as unknown instead of failing;
 * migration 0002 then repairs the rows, on SQLite and on PostgreSQL, so the log reads in
 * order, the batch is finished at a real time and retention can remove it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { MetadataStore } from '../../src/core/ports.js';
import { isPlausibleTime } from '../../src/core/time.js';
import { toBatchView, toFileView } from '../../src/core/views.js';
import { eventToWire } from '../../src/http/event-wire.js';
import { createPostgresMetadataStore } from '../../src/store/postgres-metadata-store.js';
import { createSqliteMetadataStore } from '../../src/store/sqlite-metadata-store.js';
import { sqliteDriver } from '../../src/store/sqlite-metadata-store.js';
import { itNeedsService } from '../support/services.js';
import { T0, claim, eventLog, makeBatch, succeeded } from './contract/fixtures.js';
import { TEST_DATABASE_URL, TestSchemas, ownDatabase, postgresProblem } from './postgres-support.js';

const DAMAGED = Number.MAX_SAFE_INTEGER;

/** Plain SQL on the store's own database, behind its back: what an earlier version wrote. */
interface RawDatabase {
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** One empty database, which can be opened as a store (migrated) and as raw SQL, repeatedly. */
interface TestDatabase {
  open(): Promise<MetadataStore>;
  raw(): Promise<RawDatabase>;
}

/**
 * A finished three-file batch whose last file, batch and closing events were stamped with
 * the damaged time by an old recovery (one event also with the `etaMs` that came of it).
 */
async function damagedBatch(store: MetadataStore, raw: RawDatabase): Promise<string> {
  const input = makeBatch({ files: 3 });
  await store.createBatch(input);
  let now = T0 + 100;
  for (let i = 0; i < 3; i++) {
    const leased = await claim(store, now);
    now += 100;
    await store.completeFile(input.id, leased.file.index, leased.leaseOwner, succeeded(), now);
  }
  const events = await eventLog(store, input.id);
  const lastSeq = events.at(-1)!.seq;
  const id = `'${input.id}'`;
  await raw.run(`update batches set finished_at = ${DAMAGED} where id = ${id}`);
  await raw.run(`update batch_files set finished_at = ${DAMAGED} where batch_id = ${id} and idx = 2`);
  await raw.run(`update batch_events set at = ${DAMAGED} where batch_id = ${id} and seq >= ${lastSeq - 1}`);
  const { seq: _s, type: _t, batchId: _b, at: _a, ...payload } = events.at(-2)!;
  await raw.run(
    `update batch_events set payload = '${JSON.stringify({ ...payload, etaMs: 9e16 })}'
     where batch_id = ${id} and seq = ${lastSeq - 1}`,
  );
  return input.id;
}

function describeRepair(name: string, fresh: () => Promise<TestDatabase>): void {
  describe(`damaged times on ${name}`, () => {
    it('are read as unknown, never as an error, before they are repaired', async () => {
      const database = await fresh();
      const store = await database.open();
      const raw = await database.raw();
      try {
        const id = await damagedBatch(store, raw);
        const batch = await store.getBatch(id);
        assert.ok(batch);
        assert.equal(toBatchView(batch, T0 + 1000).finishedAt, null);
        const files = await store.allFiles(id);
        assert.equal(toFileView(files[2]!).finishedAt, null);
        assert.equal(toFileView(files[1]!).finishedAt, new Date(T0 + 300).toISOString());
        const page = await store.listBatches({ limit: 10 });
        assert.deepEqual(
          page.items.map((b) => toBatchView(b, T0).id),
          [id],
        );
        const wire = (await eventLog(store, id)).map(eventToWire);
        assert.deepEqual(
          wire.slice(-2).map((e) => e.at),
          [null, null],
        );
        assert.ok(wire.slice(0, -2).every((e) => typeof e.at === 'string'));
      } finally {
        await raw.close();
        await store.close();
      }
    });

    it('are repaired when the store migrates: in order, finished at a real time, removable', async () => {
      const database = await fresh();
      const store = await database.open();
      const raw = await database.raw();
      let id: string;
      try {
        id = await damagedBatch(store, raw);
        // The database as the earlier version left it: only 0001 applied. Later migrations
        // go too, with what they created, since migrations must run in order.
        await raw.run(`delete from kysely_migration where name > '0001-initial'`);
        await raw.run('drop table api_keys');
        await raw.run('drop table key_usage');
        await raw.run('alter table batch_files drop column name_facts');
        await raw.run('alter table batches drop column receiving');
        await raw.run('alter table batches drop column receiving_until');
        await raw.run('alter table batches drop column name');
      } finally {
        await raw.close();
        await store.close();
      }
      const repaired = await database.open();
      try {
        const events = await eventLog(repaired, id);
        assert.ok(events.every((e) => isPlausibleTime(e.at)));
        for (let i = 1; i < events.length; i++) assert.ok(events[i]!.at >= events[i - 1]!.at);
        const lastGood = events.at(-3)!.at;
        assert.deepEqual(
          events.slice(-2).map((e) => [e.at, e.etaMs]),
          [
            [lastGood, null],
            [lastGood, null],
          ],
        );
        assert.ok(events.slice(0, -2).every((e) => e.etaMs === null || e.etaMs < 60_000));
        const batch = await repaired.getBatch(id);
        assert.equal(batch?.status, 'completed');
        // The latest plausible time the batch records: its last file's start.
        assert.equal(batch?.finishedAt, T0 + 300);
        const files = await repaired.allFiles(id);
        assert.deepEqual(
          files.map((f) => f.finishedAt),
          [T0 + 200, T0 + 300, T0 + 300],
        );
        // Retention finds it again.
        assert.deepEqual(await repaired.listFinishedBefore(T0 + 86_400_000, 10), [id]);
      } finally {
        await repaired.close();
      }
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), 'filemill-repair-'));
after(() => rm(dir, { recursive: true, force: true }));
let sqliteFiles = 0;
describeRepair('SQLite', async () => {
  const path = join(dir, `repair-${++sqliteFiles}.db`);
  return {
    async open() {
      const store = createSqliteMetadataStore({ path });
      await store.migrate();
      return store;
    },
    async raw() {
      const db = new (sqliteDriver())(path);
      return {
        run: async (sql) => void db.prepare(sql).run(),
        close: async () => void db.close(),
      };
    },
  };
});

const problem = await postgresProblem();
if (problem !== null) {
  describe('damaged times on PostgreSQL', () =>
    itNeedsService('repairs damaged times on PostgreSQL', 'PostgreSQL', TEST_DATABASE_URL, problem));
} else {
  // A database of the file's own: schemas dropped elsewhere cannot upset its migrations.
  const database = await ownDatabase();
  const schemas = new TestSchemas(database.url);
  after(async () => {
    await schemas.drop();
    await database.drop();
  });
  describeRepair('PostgreSQL', async () => {
    const schema = schemas.fresh();
    return {
      async open() {
        const store = createPostgresMetadataStore({ url: database.url, schema });
        await store.migrate();
        return store;
      },
      async raw() {
        const client = new pg.Client({
          connectionString: database.url,
          options: `-c search_path=${schema}`,
        });
        await client.connect();
        return {
          run: async (sql) => void (await client.query(sql)),
          close: () => client.end(),
        };
      },
    };
  });
}

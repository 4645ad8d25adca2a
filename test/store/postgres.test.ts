/**
 * Runs the MetadataStore behaviour suite on PostgreSQL, each store in a fresh random schema
 * (in a database of the file's own) dropped at the end, plus what only PostgreSQL has:
 * concurrent migrations from several processes and a type parser kept off pg's global table.
 * `FILEMILL_TEST_DATABASE_URL` overrides the server; when it cannot be reached the suite is
 * skipped, except on CI (`CI=true`), where that is a failure.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { MetadataStore } from '../../src/core/ports.js';
import { openMetadataStore } from '../../src/store/index.js';
import { createPostgresMetadataStore } from '../../src/store/postgres-metadata-store.js';
import { itNeedsService } from '../support/services.js';
import { assertLogSurvivesReopen, makeBatch } from './contract/fixtures.js';
import { describeMetadataStore } from './metadata-store.contract.js';
import { TEST_DATABASE_URL, TestSchemas, ownDatabase, postgresProblem } from './postgres-support.js';

const problem = await postgresProblem(TEST_DATABASE_URL);
const database = problem === null ? await ownDatabase() : null;
const url = database?.url ?? TEST_DATABASE_URL;
const schemas = new TestSchemas(url);
const freshSchema = (): string => schemas.fresh();

if (problem === null) {
  after(async () => {
    await schemas.drop();
    await database?.drop();
  });

  describeMetadataStore('postgres', async () => {
    const store = createPostgresMetadataStore({ url, schema: freshSchema() });
    await store.migrate();
    return store;
  });

  describe('PostgresMetadataStore', () => {
    it('lets several stores migrate the same new schema at once', async () => {
      const schema = freshSchema();
      const stores: MetadataStore[] = Array.from({ length: 4 }, () =>
        createPostgresMetadataStore({ url, schema }),
      );
      try {
        // allSettled: every migration has ended before the stores close, whatever happened.
        const results = await Promise.allSettled(stores.map((s) => s.migrate()));
        assert.deepEqual(
          results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')),
          ['ok', 'ok', 'ok', 'ok'],
        );
        const input = makeBatch();
        await stores[0]?.createBatch(input);
        for (const store of stores) assert.equal((await store.getBatch(input.id))?.totalFiles, 3);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('reads bigint columns as numbers without changing pg’s global parsers', async () => {
      const store = createPostgresMetadataStore({ url, schema: freshSchema() });
      try {
        await store.migrate();
        const input = makeBatch({ createdAt: 1_700_000_000_123 });
        await store.createBatch(input);
        const batch = await store.getBatch(input.id);
        assert.equal(batch?.createdAt, 1_700_000_000_123);
        assert.equal(typeof batch?.inputBytes, 'number');
        assert.equal(pg.types.getTypeParser(20)('42'), '42');
      } finally {
        await store.close();
      }
    });

    it('keeps the event log across a new pool and numbers on from where it stopped', async () => {
      const schema = freshSchema();
      await assertLogSurvivesReopen(async () => {
        const store = createPostgresMetadataStore({ url, schema });
        await store.migrate();
        return store;
      });
    });

    it('refuses a schema name that is not a plain identifier', () => {
      assert.throws(
        () => createPostgresMetadataStore({ url, schema: 'x; drop table batches' }),
        /schema name/,
      );
    });

    it('is what openMetadataStore opens for a postgres:// or postgresql:// URL', async () => {
      for (const databaseUrl of [url, url.replace(/^postgres(ql)?:/, 'postgresql:')]) {
        const store = await openMetadataStore({ databaseUrl, dataDir: '/nonexistent' });
        try {
          assert.equal(store.kind, 'postgres');
          await store.ping();
        } finally {
          await store.close();
        }
      }
    });
  });
} else {
  itNeedsService('runs the MetadataStore suite on PostgreSQL', 'PostgreSQL', url, problem);
}

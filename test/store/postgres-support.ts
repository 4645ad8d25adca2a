/**
 * What tests on PostgreSQL share: the test database's URL (`FILEMILL_TEST_DATABASE_URL`
 * overrides it), whether it answers, a database of a test file's own, and fresh random
 * schemas dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.FILEMILL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Null when the database answers, else why not. */
export async function postgresProblem(url: string = TEST_DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh database on the test server for one test file, as a URL, dropped by `drop()`. Its
 * schemas are then its own: test files run side by side, and a schema dropped by one file in
 * a shared database fails another's migration that is listing the tables of every schema at
 * that moment (Kysely's introspection: "schema … does not exist").
 */
export async function ownDatabase(url: string = TEST_DATABASE_URL): Promise<{
  url: string;
  drop(): Promise<void>;
}> {
  const name = `filemill_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Hands out fresh schema names and drops them all in `drop()`. */
export class TestSchemas {
  readonly #made: string[] = [];

  constructor(private readonly url: string = TEST_DATABASE_URL) {}

  fresh(): string {
    const schema = `filemill_test_${randomBytes(6).toString('hex')}`;
    this.#made.push(schema);
    return schema;
  }

  async drop(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      for (const schema of this.#made)
        await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
    } finally {
      await client.end();
    }
  }
}

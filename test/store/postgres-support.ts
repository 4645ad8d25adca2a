/**
 * What tests on PostgreSQL share: the test database's URL (`FILEMILL_TEST_DATABASE_URL`
 * overrides it), whether it answers, and fresh random schemas dropped at the end.
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

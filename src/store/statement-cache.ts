/**
 * better-sqlite3 for Kysely, with its prepared statements kept. Kysely's SQLite driver
 * prepares every query it runs; the same few statements run for every file (claim, progress,
 * completion, events), and preparing them again each time was a tenth of the server's CPU
 * per file (`npm run bench overhead`). Statements are kept by their SQL text, the most
 * recently used `max` of them.
 */
import type Sqlite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function withStatementCache(db: Sqlite.Database, max = 256): SqliteDatabase {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const kept = statements.get(sql);
      // A statement still iterating (a streamed select) cannot run again until it is done.
      if (kept?.busy) return db.prepare(sql);
      if (kept) {
        // Map order is insertion order: moving it to the end keeps the least recently used first.
        statements.delete(sql);
        statements.set(sql, kept);
        return kept;
      }
      const statement = db.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > max) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

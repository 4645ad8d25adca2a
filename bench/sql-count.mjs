/**
 * Preloaded into a benchmark's server (`node --import`): counts the SQLite statements it runs,
 * by their SQL, and writes them to FILEMILL_BENCH_SQL_COUNTS as JSON when the process exits.
 * Diagnostics for `npm run bench overhead` only; the server itself knows nothing of it.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const out = process.env.FILEMILL_BENCH_SQL_COUNTS;
// The build the store picks for this Node (src/store/sqlite-metadata-store.ts).
const Database = require(
  Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3',
);
if (out) {
  const probe = new Database(':memory:');
  const Statement = probe.prepare('select 1').constructor;
  probe.close();
  const counts = new Map();
  const count = (sql) => counts.set(sql, (counts.get(sql) ?? 0) + 1);
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = Statement.prototype[method];
    Statement.prototype[method] = function (...args) {
      count(this.source);
      return original.apply(this, args);
    };
  }
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (sql) {
    count(sql);
    return exec.call(this, sql);
  };
  process.on('exit', () => writeFileSync(out, JSON.stringify([...counts])));
}

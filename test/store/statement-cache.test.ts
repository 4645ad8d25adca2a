import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqliteDriver } from '../../src/store/sqlite-metadata-store.js';
import { withStatementCache } from '../../src/store/statement-cache.js';

function database() {
  const Driver = sqliteDriver();
  const db = new Driver(':memory:');
  db.exec('create table t (n integer)');
  db.exec('insert into t values (1), (2), (3)');
  return db;
}

test('the same SQL gets the same prepared statement, which still runs with new parameters', () => {
  const cached = withStatementCache(database());
  const first = cached.prepare('select n from t where n >= ?');
  const again = cached.prepare('select n from t where n >= ?');
  assert.equal(again, first);
  assert.deepEqual(again.all([2]), [{ n: 2 }, { n: 3 }]);
  assert.deepEqual(first.all([3]), [{ n: 3 }]);
  cached.close();
});

test('a statement still iterating is not handed out again: a fresh one runs beside it', () => {
  const cached = withStatementCache(database());
  const sql = 'select n from t order by n';
  const iterating = cached.prepare(sql).iterate([]);
  assert.deepEqual(iterating.next().value, { n: 1 });
  const beside = cached.prepare(sql);
  assert.deepEqual(beside.all([]), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.deepEqual([...iterating], [{ n: 2 }, { n: 3 }]);
  cached.close();
});

test('only the most recently used statements are kept', () => {
  const cached = withStatementCache(database(), 2);
  const a = cached.prepare('select 1');
  const b = cached.prepare('select 2');
  assert.equal(cached.prepare('select 1'), a); // now the most recent
  cached.prepare('select 3'); // evicts `select 2`, the least recently used
  assert.equal(cached.prepare('select 1'), a);
  assert.notEqual(cached.prepare('select 2'), b);
  cached.close();
});

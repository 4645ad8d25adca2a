/**
 * `filemill keys` end to end, as an operator runs it: the CLI as its own process against the
 * configured database — SQLite in a data folder, and a fresh PostgreSQL database — and what
 * it leaves in that database read behind its back (the key's hash, never the key).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import { filemill } from './support/cli.js';
import { createDatabase, type TestDatabase } from './support/nodes.js';

interface Target {
  /** The settings that point the CLI at the database. */
  env: Record<string, string>;
  /** Every stored byte of the key table (or the whole database file), as text. */
  storedText(): Promise<string>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The one line an error prints, on stderr, with exit code 1. */
function assertOneLineError(result: { code: number; stdout: string; stderr: string }, code: string): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`^filemill: ${code}: [^\\n]+\\.\\n$`));
}

function describeKeysCommands(name: string, target: () => Target): void {
  it(`creates, lists and revokes keys in ${name}, showing a key only once`, async () => {
    const { env, storedText } = target();
    const keys = (...args: string[]) => filemill(['keys', ...args], env);

    const alice = await keys(
      'create',
      '--name',
      'alice',
      '--admin',
      '--max-bytes-per-day',
      '10GiB',
      '--json',
    );
    assert.equal(alice.code, 0, alice.stderr);
    const created = JSON.parse(alice.stdout);
    assert.equal(created.name, 'alice');
    assert.equal(created.admin, true);
    assert.match(created.key, /^fm_[A-Za-z0-9_-]{43}$/);
    assert.match(created.id, /^k_[0-9a-f]{32}$/);
    assert.deepEqual(created.limits, { maxConcurrentBatches: null, maxBytesPerDay: 10 * 1024 ** 3 });

    const bob = await keys('create', '--name', 'bob', '--max-concurrent-batches', '2');
    assert.equal(bob.code, 0, bob.stderr);
    const bobKey = /^(fm_[A-Za-z0-9_-]{43})$/m.exec(bob.stdout)?.[1];
    assert.ok(bobKey, bob.stdout);
    assert.match(bob.stdout, /key bob created/);
    assert.match(bob.stdout, /will not be shown again/);

    const list = await keys('list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^alice\s+fm_\S+…\s+yes\s+\S+Z\s+never\s+-\s+10 GiB\/day$/m);
    assert.match(list.stdout, /^bob\s+fm_\S+…\s+no\s+\S+Z\s+never\s+-\s+2 batches at once$/m);
    for (const secret of [created.key, bobKey]) {
      assert.ok(!list.stdout.includes(secret), 'list never shows a key');
      assert.ok(!list.stdout.includes(sha256(secret)), 'nor its hash');
    }

    const again = await keys('create', '--name', 'alice');
    assertOneLineError(again, 'CONFLICT');

    const revoke = await keys('revoke', 'alice');
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.equal(revoke.stdout, 'key alice revoked\n');
    assertOneLineError(await keys('revoke', 'carol'), 'NOT_FOUND');

    const listed = await keys('list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout);
    assert.deepEqual(
      rows.map((k: any) => [k.name, k.admin, k.revokedAt === null]),
      [
        ['alice', true, false],
        ['bob', false, true],
      ],
    );
    assert.ok(rows.every((k: any) => !('key' in k) && !('hash' in k)));
    assert.ok(!listed.stdout.includes(created.key) && !listed.stdout.includes(bobKey));
    assert.match(await keys('list').then((r) => r.stdout), /^alice\s.*\s\S+Z\s+10 GiB\/day$/m);

    // What the database holds: each key's hash, never the key.
    const stored = await storedText();
    for (const secret of [created.key, bobKey]) {
      assert.ok(stored.includes(sha256(secret)), 'the hash is stored');
      assert.ok(!stored.includes(secret), 'the key is not');
    }
  });

  it(`refuses a bad name or limit in ${name} with one line, before storing anything`, async () => {
    const { env } = target();
    const keys = (...args: string[]) => filemill(['keys', ...args], env);
    assertOneLineError(await keys('create', '--name', 'not ok'), 'INVALID_REQUEST');
    assertOneLineError(
      await keys('create', '--name', 'carol', '--max-concurrent-batches', '0'),
      'INVALID_REQUEST',
    );
    assertOneLineError(
      await keys('create', '--name', 'carol', '--max-bytes-per-day', 'lots'),
      'INVALID_REQUEST',
    );
    const list = await keys('list', '--json');
    assert.equal(list.code, 0, list.stderr);
    assert.ok(!JSON.parse(list.stdout).some((k: any) => k.name === 'carol' || k.name === 'not ok'));
  });
}

describe('filemill keys on SQLite', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'filemill-keys-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  describeKeysCommands('SQLite', () => ({
    env: { FILEMILL_DATA_DIR: dataDir, FILEMILL_DATABASE_URL: '' },
    // The database file and its write-ahead log: a key written anywhere would be found.
    async storedText() {
      const files = (await readdir(dataDir)).filter((f) => f.startsWith('filemill.db'));
      const parts = await Promise.all(files.map((f) => readFile(join(dataDir, f), 'latin1')));
      return parts.join('\n');
    },
  }));
});

const problem = await postgresProblem();
if (problem === null) {
  describe('filemill keys on PostgreSQL', () => {
    let database: TestDatabase;
    let dataDir = '';
    before(async () => {
      database = await createDatabase();
      dataDir = await mkdtemp(join(tmpdir(), 'filemill-keys-pg-'));
    });
    after(async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    });
    describeKeysCommands('a fresh PostgreSQL database', () => ({
      env: { FILEMILL_DATABASE_URL: database.url.href, FILEMILL_DATA_DIR: dataDir },
      async storedText() {
        const client = new pg.Client({ connectionString: database.url.href });
        await client.connect();
        try {
          const { rows } = await client.query('select * from api_keys');
          return JSON.stringify(rows);
        } finally {
          await client.end();
        }
      },
    }));
  });
} else {
  itNeedsService('runs filemill keys on PostgreSQL', 'PostgreSQL', 'postgres://127.0.0.1:5432', problem);
}

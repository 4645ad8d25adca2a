/**
 * The CLI against a real server that requires API keys (issue 14): without a key, or with a
 * wrong or revoked one, every command is one line and exit 1; with a key, submit, status
 * (live too) and download work, another key's batch is NOT_FOUND, and submit's share link
 * opens its batch read-only. The key is never printed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKeySecret } from '../../src/core/api-keys.js';
import { createKey } from './support/keys.js';
import { filemill, type CliResult } from './support/cli.js';
import { getJson, listTree, startTestServer, type TestServer } from './support/server.js';

const NEEDS_KEY =
  'filemill: UNAUTHORIZED: the server needs an API key: pass --api-key or set FILEMILL_API_KEY\n';
const KEY_REFUSED = 'filemill: UNAUTHORIZED: the API key was refused (wrong or revoked)\n';

function assertNotPrinted(results: CliResult[], secret: string): void {
  for (const r of results) {
    assert.ok(
      !r.stdout.includes(secret) && !r.stderr.includes(secret),
      `not printed:\n${r.stdout}${r.stderr}`,
    );
  }
}

describe('filemill against a server that requires API keys', () => {
  let server: TestServer;
  let scratch: string;
  let input: string;
  let alice: string;
  let bob: string;
  let revoked: string;

  before(async () => {
    server = await startTestServer({ concurrency: 1 });
    alice = await createKey(server.filemill.store, 'alice');
    bob = await createKey(server.filemill.store, 'bob');
    revoked = await createKey(server.filemill.store, 'gone');
    await server.filemill.store.revokeApiKey('gone', Date.now());
    scratch = await mkdtemp(join(tmpdir(), 'filemill-cli-access-'));
    input = join(scratch, 'in');
    await mkdir(join(input, 'docs'), { recursive: true });
    await writeFile(join(input, 'docs/a.txt'), 'alpha');
  });
  after(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('answers no key, a wrong key and a revoked key with one line each, and exit 1', async () => {
    const [none, wrong, gone, submitted] = await Promise.all([
      filemill(['ls', '--server', server.url]),
      filemill(['ls', '--server', server.url, '--api-key', newApiKeySecret().key]),
      filemill(['ls', '--server', server.url], { FILEMILL_API_KEY: revoked }),
      filemill([
        'submit',
        input,
        '--processor',
        'copy',
        '--out',
        join(scratch, 'no'),
        '--server',
        server.url,
      ]),
    ]);
    assert.deepEqual([none.code, none.stderr], [1, NEEDS_KEY]);
    assert.deepEqual([wrong.code, wrong.stderr], [1, KEY_REFUSED]);
    assert.deepEqual([gone.code, gone.stderr], [1, KEY_REFUSED]);
    assert.deepEqual([submitted.code, submitted.stderr], [1, NEEDS_KEY]);
    assertNotPrinted([wrong, gone], revoked);
  });

  it('works with the key, hides the batch from another key, and prints a share link that only reads', async () => {
    const out = join(scratch, 'out');
    const submitted = await filemill(
      ['submit', input, '--processor', 'copy', '--out', out, '--server', server.url],
      {
        FILEMILL_API_KEY: alice,
      },
    );
    assert.equal(submitted.code, 0, submitted.stderr + submitted.stdout);
    assert.deepEqual((await listTree(out)).sort(), ['docs/a.txt', 'report.json']);
    const id = /^batch (b_\w+) accepted/m.exec(submitted.stdout)![1]!;
    const link = /^share \(read-only\): (.*)$/m.exec(submitted.stdout)![1]!;
    const token = new URL(link).searchParams.get('token')!;
    assert.equal(link, `${server.url}/batches/${id}?token=${encodeURIComponent(token)}`);

    const asAlice = { FILEMILL_API_KEY: alice };
    const [status, watched, listed, asBob, withToken] = await Promise.all([
      filemill(['status', id, '--server', server.url], asAlice),
      filemill(['status', id, '--watch', '--server', server.url], asAlice),
      filemill(['ls', '--server', server.url, '--json', '--api-key', bob]),
      filemill(['status', id, '--server', server.url, '--api-key', bob]),
      // The share token is no key: it reads, and may not cancel.
      filemill(['cancel', id, '--server', server.url, '--api-key', token]),
    ]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^${id}\\s+completed\\s+100%`));
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, new RegExp(`^${id}\\s+completed\\s+100%`, 'm'));
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).items, [], "bob sees none of alice's batches");
    assert.deepEqual([asBob.code, asBob.stderr], [1, `filemill: NOT_FOUND: There is no batch ${id}.\n`]);
    assert.equal(withToken.code, 1);
    assert.match(withToken.stderr, /^filemill: FORBIDDEN: [^\n]+\n$/);
    assertNotPrinted([submitted, status, watched, listed, asBob, withToken], alice);
    assertNotPrinted([listed, asBob], bob);

    assert.equal(
      (await getJson(`${server.url}/api/batches/${id}?token=${encodeURIComponent(token)}`)).status,
      200,
    );
    assert.equal((await getJson(`${server.url}/api/batches/${id}`)).status, 401);
  });
});

/**
 * The sandbox seen from outside a real server: the level in `/readyz`, `/metrics` and
 * `GET /api/processors`; `FILEMILL_SANDBOX=bwrap` refusing to start where it cannot run; and
 * the batch owner reaching the pool, so that two API keys' files never share a worker; and
 * operator commands without the network unless their entry asks for it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseSandbox } from '../../src/worker/sandbox-level.js';
import { createKey } from './support/keys.js';
import { allFiles, form, startTestServer, submit, waitForBatch, type TestServer } from './support/server.js';

const TOOL = fileURLToPath(new URL('../fixtures/commands/tool.sh', import.meta.url));
const bwrapWorks = (await chooseSandbox('auto', join(tmpdir(), 'filemill-sandbox-probe'))).level === 'bwrap';

describe('the sandbox level, as the server reports it', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ sandbox: 'permission' });
  });
  after(() => server.close());

  it('is in /readyz, /metrics and each processor of /api/processors', async () => {
    const ready = (await fetch(`${server.url}/readyz`).then((r) => r.json())) as any;
    assert.equal(ready.sandbox, 'permission');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^filemill_sandbox_level\{level="permission"\} 1$/m);
    assert.match(metrics, /^filemill_sandbox_level\{level="bwrap"\} 0$/m);
    const processors = (await fetch(`${server.url}/api/processors`).then((r) => r.json())) as any;
    const image = processors.find((p: any) => p.name === 'image');
    assert.deepEqual(image.sandbox, { level: 'permission', network: true });
  });
});

describe('a server under bubblewrap', { skip: bwrapWorks ? false : 'bubblewrap does not work here' }, () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  before(async () => {
    if (!bwrapWorks && process.env.CI === 'true') throw new Error('CI must have a working bubblewrap');
    server = await startTestServer({ sandbox: 'bwrap', concurrency: 1 });
    alice = await createKey(server.filemill.store, 'alice');
    bob = await createKey(server.filemill.store, 'bob');
  });
  after(() => server?.close());

  it('says so, and that its processors have no network', async () => {
    const ready = (await fetch(`${server.url}/readyz`).then((r) => r.json())) as any;
    assert.equal(ready.sandbox, 'bwrap');
    const answer = await fetch(`${server.url}/api/processors`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    const processors = (await answer.json()) as any[];
    for (const p of processors) assert.deepEqual(p.sandbox, { level: 'bwrap', network: false }, p.name);
  });

  async function identities(key: string, count: number): Promise<string[]> {
    const files = Array.from({ length: count }, (_, i) => ({ name: `${i}.txt`, data: `file ${i}` }));
    const headers = { authorization: `Bearer ${key}` };
    const response = await fetch(`${server.url}/api/batches`, {
      method: 'POST',
      headers,
      body: form(files, { processor: 'hostile', settings: '{"readPaths": []}' }),
    });
    assert.equal(response.status, 202, await response.clone().text());
    const { id } = (await response.json()) as { id: string };
    const poll = (path: string) => fetch(`${server.url}${path}`, { headers });
    for (;;) {
      const batch = (await (await poll(`/api/batches/${id}`)).json()) as any;
      if (batch.status === 'completed') break;
      assert.ok(!['failed', 'completed_with_errors', 'cancelled'].includes(batch.status), batch.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const listed = (await (await poll(`/api/batches/${id}/files`)).json()) as any;
    return listed.items.map((f: any) => f.details.identity);
  }

  it("runs one key's files in one worker, and another key's in another", async () => {
    const [a1, a2] = await identities(alice, 2);
    assert.equal(a1, a2, 'one owner: the worker may stay');
    const [b1] = await identities(bob, 1);
    assert.notEqual(b1, a2, "another owner: never the worker that ran alice's files");
    const [a3] = await identities(alice, 1);
    assert.notEqual(a3, b1, "and back: never the worker that ran bob's");
  });
});

describe(
  'operator commands under bubblewrap',
  { skip: bwrapWorks ? false : 'bubblewrap does not work here' },
  () => {
    let server: TestServer;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'filemill-net-'));
      const command = (name: string, network?: boolean) => ({
        name,
        title: name,
        accepts: ['*/*'],
        argv: [TOOL, 'netdev', '{input}', '{output}'],
        outputExt: '.txt',
        ...(network === undefined ? {} : { network }),
      });
      await writeFile(
        join(dir, 'commands.json'),
        JSON.stringify({ commands: [command('offline'), command('online', true)] }),
      );
      server = await startTestServer({ sandbox: 'bwrap', commandsFile: join(dir, 'commands.json') });
    });
    after(async () => {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** The network interfaces a command saw, from its /proc/net/dev. */
    async function interfacesSeenBy(processor: string): Promise<string[]> {
      const { status, body } = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor });
      assert.equal(status, 202);
      const batch = await waitForBatch(server.url, body.id);
      assert.equal(batch.status, 'completed', JSON.stringify(await allFiles(server.url, body.id)));
      const output = await (await fetch(`${server.url}/api/batches/${body.id}/files/0/output`)).text();
      return interfaces(output);
    }

    it('runs a command with no network unless its entry asks for it', async () => {
      const host = interfaces(await readFile('/proc/net/dev', 'utf8'));
      assert.ok(
        host.some((name) => name !== 'lo'),
        `the host has a network: ${host.join(', ')}`,
      );
      assert.deepEqual(await interfacesSeenBy('offline'), ['lo']);
      assert.deepEqual(await interfacesSeenBy('online'), host);
      const processors = (await fetch(`${server.url}/api/processors`).then((r) => r.json())) as any[];
      const network = Object.fromEntries(processors.map((p) => [p.name, p.sandbox.network]));
      assert.equal(network.offline, false);
      assert.equal(network.online, true);
      assert.equal(network.image, false);
    });
  },
);

/** The interface names of a /proc/net/dev text, sorted. */
function interfaces(netdev: string): string[] {
  return netdev
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter(Boolean)
    .sort();
}

describe('FILEMILL_SANDBOX=bwrap where bubblewrap cannot run', () => {
  it('refuses to start, in one line that says how to fix it', async () => {
    const path = process.env.PATH;
    // No prlimit, no bwrap on this PATH: the probe cannot start the sandbox.
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startTestServer({ sandbox: 'bwrap' }), (error: Error) => {
        assert.match(error.message, /^FILEMILL_SANDBOX=bwrap, but bubblewrap does not work here: /);
        assert.match(error.message, /apt-get install bubblewrap/);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
      const fallback = await chooseSandbox('auto', join(tmpdir(), 'filemill-sandbox-probe'));
      assert.equal(fallback.level, 'permission');
      assert.match(fallback.fallbackReason ?? '', /not installed/);
    } finally {
      process.env.PATH = path;
    }
  });
});

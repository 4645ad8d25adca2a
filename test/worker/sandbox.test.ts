/**
 * The OS-level sandbox against a hostile processor: from its run function and from native
 * children, it tries to read /etc/passwd, another file of the data folder and the database,
 * to connect to the server, PostgreSQL, Redis and the outside, to write outside its output,
 * to start 1,000 processes, to leave one running, and to stay resident for another tenant's
 * file. Under bubblewrap every attempt fails and the result says so; under the permission
 * model alone the same run records what is allowed (the README's threat-model table).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { chooseSandbox } from '../../src/worker/sandbox-level.js';
import { ProcessPool, type PoolOptions, type TaskResult } from '../../src/worker/process-pool.js';
import { makeDataDir, type DataDir } from './pool-fixture.js';

interface Attempt {
  what: string;
  outcome: 'allowed' | 'denied';
  detail: string;
}

const bwrapWorks = (await chooseSandbox('auto', join(tmpdir(), 'filemill-sandbox-probe'))).level === 'bwrap';

/** A TCP server on loopback that greets and hangs up; a client that resets is no error of ours. */
function listenerOnLoopback(): Server {
  return createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('hello');
  }).listen(0, '127.0.0.1');
}

/** A data folder, a listener standing in for the server's port and the host's services, and a one-worker pool. */
interface Scene {
  data: DataDir;
  pool: ProcessPool;
  port: number;
  close(): Promise<void>;
}

async function setScene(options: (data: DataDir) => PoolOptions): Promise<Scene> {
  const data = await makeDataDir();
  const listener = listenerOnLoopback();
  await new Promise((resolve) => listener.once('listening', resolve));
  await writeFile(join(data.dir, 'filemill.db'), 'SQLite format 3\0');
  const pool = new ProcessPool({ size: 1, timeoutMs: 60_000, memoryMb: 1024, ...options(data) });
  return {
    data,
    pool,
    port: (listener.address() as { port: number }).port,
    async close() {
      await pool.close();
      listener.close();
      await data.remove();
    },
  };
}

/** The host processes whose command line holds `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(marker)) pids.push(Number(name));
  }
  return pids;
}

/** The host processes whose command line mentions `text` anywhere. */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) pids.push(Number(name));
  }
  return pids;
}

/** Waits up to 5 s for `find` to come back empty, and returns what it found last. */
async function untilNone(find: () => Promise<number[]>): Promise<number[]> {
  let left = await find();
  for (let waited = 0; left.length > 0 && waited < 5000; waited += 100) {
    await delay(100);
    left = await find();
  }
  return left;
}

function attemptsOf(result: TaskResult): Attempt[] {
  assert.ok(result.ok, `the hostile file should still succeed: ${JSON.stringify(result)}`);
  return (result.details as { attempts: Attempt[] }).attempts;
}

/** The hostile settings aimed at this machine: `data` is the data folder, `port` a listener of the server's. */
function aims(data: DataDir, port: number, marker: string) {
  return {
    readPaths: ['/etc/passwd', data.outside, join(data.dir, 'filemill.db')],
    connect: [
      { host: '127.0.0.1', port },
      { host: '127.0.0.1', port: 5432 },
      { host: '127.0.0.1', port: 6379 },
      { host: '192.0.2.1', port: 80 },
    ],
    writePaths: [join(data.dir, 'planted'), join(data.dir, '..', `planted-${marker}`)],
    forks: 1000,
    leaveBehind: marker,
    native: true,
  };
}

describe(
  'a hostile processor under bubblewrap',
  { skip: bwrapWorks ? false : 'bubblewrap does not work here' },
  () => {
    let scene: Scene;
    before(async () => {
      if (!bwrapWorks && process.env.CI === 'true') throw new Error('CI must have a working bubblewrap');
      scene = await setScene((data) => ({ bwrap: { workspaceRoot: join(data.dir, 'sandbox') } }));
    });
    after(() => scene?.close());

    it('names its level', () => {
      assert.equal(scene.pool.sandbox.level, 'bwrap');
      assert.match(scene.pool.sandbox.summary, /bubblewrap: no network/);
    });

    it('denies every read, connect, write and fork, from Node and from native children, and says so', async () => {
      const marker = `filemill-hostile-${process.pid}-${Date.now()}`;
      const attempts = attemptsOf(
        await scene.pool.run(scene.data.task('hostile', aims(scene.data, scene.port, marker))),
      );
      const kinds = ['read', 'connect', 'write', 'native read', 'native connect', 'fork'];
      for (const kind of kinds) {
        const ofKind = attempts.filter((a) => a.what.startsWith(`${kind} `));
        assert.ok(ofKind.length > 0, `no "${kind}" attempt in ${JSON.stringify(attempts)}`);
        for (const a of ofKind) assert.equal(a.outcome, 'denied', `${a.what}: ${a.detail}`);
      }
      // The file says why: the errors a sandbox gives, not a crash.
      const passwd = attempts.find((a) => a.what === 'read /etc/passwd')!;
      assert.match(passwd.detail, /ENOENT|ERR_ACCESS_DENIED/);
      const fork = attempts.find((a) => a.what === 'fork 1000')!;
      assert.match(fork.detail, /^started \d+ of 1000/);
      assert.ok(!existsSync(join(scene.data.dir, 'planted')), 'nothing written in the data folder');
      assert.ok(!existsSync(join(scene.data.dir, '..', `planted-${marker}`)), 'nothing written beside it');
      // The process it left behind is gone once the file is done.
      assert.deepEqual(await untilNone(() => processesWith(marker)), [], 'a process of the file outlived it');
    });

    it('replaces a worker before it runs another tenant’s file, and keeps it within one tenant', async () => {
      const identity = (result: TaskResult) => {
        assert.ok(result.ok, JSON.stringify(result));
        return result.details as { identity: string; previous: unknown; previousReadable: boolean };
      };
      const a1 = identity(await scene.pool.run(scene.data.task('hostile', {}), { tenant: 'k_alice' }));
      const a2 = identity(await scene.pool.run(scene.data.task('hostile', {}), { tenant: 'k_alice' }));
      assert.equal(a2.identity, a1.identity, 'one tenant: the same worker');
      // It knows its last file only by the workspace's path, which now holds the current one.
      assert.deepEqual(a2.previous, { inputPath: '/job/in/input', name: 'trip/input.txt' });
      const replacements = scene.pool.replacements;
      const b = identity(await scene.pool.run(scene.data.task('hostile', {}), { tenant: 'k_bob' }));
      assert.notEqual(b.identity, a2.identity, 'another tenant: a new worker');
      assert.equal(b.previous, null, 'a new process that has seen no file');
      assert.equal(scene.pool.replacements, replacements + 1);
    });
  },
);

describe(
  'workers under bubblewrap killed at any moment of their start',
  {
    skip: bwrapWorks ? false : 'bubblewrap does not work here',
  },
  () => {
    it('leave no process behind: bubblewrap, its inner init and the worker go together', async () => {
      // A worker killed while bubblewrap still sets up its namespaces can leave the inner init
      // running, an orphan that holds the server's pipes to it; each round kills a little later.
      for (let round = 0; round < 6; round += 1) {
        const data = await makeDataDir();
        try {
          const workspaceRoot = join(data.dir, 'sandbox');
          const pool = new ProcessPool({
            size: 2,
            timeoutMs: 60_000,
            memoryMb: 1024,
            bwrap: { workspaceRoot },
          });
          void pool.warm();
          await delay(round * 30);
          await pool.close();
          assert.deepEqual(await untilNone(() => processesMentioning(workspaceRoot)), [], `round ${round}`);
        } finally {
          await data.remove();
        }
      }
    });
  },
);

describe('a hostile processor under the permission model alone (what it does not stop)', () => {
  let scene: Scene;
  before(async () => {
    scene = await setScene((data) => ({
      allowRead: [data.dir],
      allowWrite: [data.dir],
      permissionModel: true,
    }));
  });
  after(() => scene?.close());

  it('keeps Node code to its folders but lets it reach the network and the data folder', async (t) => {
    const marker = `filemill-hostile-${process.pid}-${Date.now()}`;
    const settings = {
      ...aims(scene.data, scene.port, marker),
      forks: 0,
      leaveBehind: undefined,
      native: false,
    };
    const attempts = attemptsOf(await scene.pool.run(scene.data.task('hostile', settings)));
    for (const a of attempts) t.diagnostic(`${a.outcome.padEnd(7)} ${a.what}: ${a.detail.slice(0, 80)}`);
    const outcome = (what: string) => attempts.find((a) => a.what === what)?.outcome;
    assert.equal(outcome('read /etc/passwd'), 'denied', 'outside its folders');
    assert.equal(
      outcome(`read ${join(scene.data.dir, 'filemill.db')}`),
      'allowed',
      'the data folder is readable',
    );
    assert.equal(outcome(`connect 127.0.0.1:${scene.port}`), 'allowed', 'the network is not restricted');
    assert.equal(
      outcome(`write ${join(scene.data.dir, 'planted')}`),
      'allowed',
      'the data folder is writable',
    );
  });
});

/**
 * filemill nodes as separate OS processes, started from the sources, for the tests of
 * several nodes (scale-out, outages of the services they share).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../store/postgres-support.js';
import type { SseEvent } from './sse.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Node {
  name: string;
  child: ChildProcess;
  /** The API's address (API nodes), or the health listener's (worker nodes with a port). */
  url: string;
  /** Everything it printed so far. */
  output(): string;
}

/**
 * Starts `filemill <command>` named `name`: an API-only node (`serve --concurrency 0`) or a
 * worker node with one worker process. Resolves once it says it runs.
 */
export function startNode(
  name: string,
  command: 'serve' | 'worker',
  env: Record<string, string>,
): Promise<Node> {
  const args = ['--import', 'tsx', 'src/cli/run.ts', command];
  if (command === 'serve') args.push('--port', '0', '--concurrency', '0');
  else args.push('--concurrency', '1');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, FILEMILL_NODE_ID: name, FILEMILL_LOG_LEVEL: 'warn' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /(?:filemill|metrics on) (http:\/\/[\d.:]+)/.exec(output)?.[1] ?? '';
      if (url || /filemill worker .*\n/.test(output)) resolve({ name, child, url, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before it ran:\n${output}`)));
  });
}

export async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

/** Asks the node to stop (SIGTERM); true if it exited within `ms`, else it is killed. */
export async function stopsWithin(node: Node, ms: number): Promise<boolean> {
  const stopped = stopNode(node).then(() => true);
  const inTime = await Promise.race([stopped, new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  if (!inTime) node.child.kill('SIGKILL');
  return inTime;
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Each `seq` from 1 is there, once, in order. */
export function assertGapFree(events: SseEvent[]): void {
  events.forEach((event, i) => assert.equal(event.id, i + 1, `seq ${i + 1} is there, once`));
}

export interface TestDatabase {
  url: URL;
  drop(): Promise<void>;
}

/** A PostgreSQL database of the test's own on the test server, dropped by `drop()`. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `filemill_nodes_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url,
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

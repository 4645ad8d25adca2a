/**
 * What the fault-injection files (faults*.test.ts) share: a data folder (and, on PostgreSQL,
 * a database) of a test's own with the `filemill serve` processes started on it, closed after
 * the test and printed on its failure; text inputs, and a batch submitted and accepted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { exited, hasExited, serveProcess, type ServedProcess, type ServeOptions } from './faults.js';
import { createDatabase, type TestDatabase } from './nodes.js';
import { submit } from './server.js';

export type Db = 'sqlite' | 'postgres';

/** A data folder (and, on PostgreSQL, a database) of the test's own, and its servers. */
export class Setup {
  readonly servers: ServedProcess[] = [];
  private constructor(
    readonly opts: ServeOptions,
    private readonly database: TestDatabase | null,
  ) {}

  static async create(db: Db, env: Record<string, string> = {}): Promise<Setup> {
    const dataDir = await mkdtemp(join(tmpdir(), 'filemill-faults-'));
    const database = db === 'postgres' ? await createDatabase() : null;
    return new Setup({ dataDir, databaseUrl: database?.url.toString(), env }, database);
  }

  /** Starts a server on this data folder; `extra` for this start only (a failpoint, a setting). */
  async serve(extra: Partial<ServeOptions> = {}): Promise<ServedProcess> {
    const server = await serveProcess({ ...this.opts, ...extra, env: { ...this.opts.env, ...extra.env } });
    this.servers.push(server);
    return server;
  }

  get blobs(): string {
    return join(this.opts.dataDir, 'blobs');
  }

  /** What every server printed, for a failure's diagnostic. */
  output(): string {
    return this.servers.map((s, i) => `--- server ${i + 1}\n${s.output()}`).join('\n');
  }

  async close(): Promise<void> {
    for (const server of this.servers) {
      if (!hasExited(server.child)) {
        server.child.kill('SIGTERM');
        await exited(server.child);
      }
    }
    await this.database?.drop();
    await rm(this.opts.dataDir, { recursive: true, force: true });
  }
}

/** Runs `body` with a fresh setup, closed afterwards; prints the servers' output on failure. */
export async function withSetup(
  t: TestContext,
  db: Db,
  env: Record<string, string>,
  body: (setup: Setup) => Promise<void>,
): Promise<void> {
  const setup = await Setup.create(db, env);
  try {
    await body(setup);
  } catch (error) {
    t.diagnostic(setup.output().replace(/^/gm, '  '));
    throw error;
  } finally {
    await setup.close();
  }
}

export const texts = (n: number, tag: string): string[] =>
  Array.from({ length: n }, (_, i) => `${tag} file ${i} ${'x'.repeat(i * 37)}`);
export const upload = (inputs: string[]) => inputs.map((data, i) => ({ name: `f${i}.txt`, data }));

/** A batch submitted and accepted; its id. */
export async function accepted(
  url: string,
  inputs: string[],
  fields: Record<string, string>,
): Promise<string> {
  const { status, body } = await submit(url, upload(inputs), fields);
  assert.equal(status, 202, JSON.stringify(body));
  return body.id as string;
}

/** A request whose server died under it: the answer never comes. */
export async function diesUnder(server: ServedProcess, call: Promise<unknown>): Promise<void> {
  await assert.rejects(call, 'the connection drops with the server');
  await exited(server.child);
  assert.equal(server.child.signalCode, 'SIGKILL', 'the failpoint killed it');
}

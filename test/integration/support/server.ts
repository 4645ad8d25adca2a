/**
 * A real filemill server for a test: its own temporary data folder, a random port, and
 * small helpers to talk to it over HTTP as a client would.
 */
import { TEST_PROCESSORS } from './env.js';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { ConfigKey } from '../../../src/config/schema.js';
import { startFilemill, type Filemill, type StartOptions } from '../../../src/server.js';

export { TEST_PROCESSORS };

export interface TestServer {
  url: string;
  dataDir: string;
  filemill: Filemill;
  close(): Promise<void>;
}

/**
 * Starts a server in `dataDir` (a new temporary folder when not given). It holds no disk-space
 * reserve unless `start` asks for one (the disk-full tests): 16 MiB written by every test's
 * server would cost the suite seconds and prove nothing.
 */
export async function startTestServer(
  settings: Partial<Record<ConfigKey, string | number>> = {},
  dataDir?: string,
  start: StartOptions = {},
): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'filemill-test-')));
  const config = loadConfig({
    env: {},
    overrides: { port: 0, dataDir: dir, logLevel: 'silent', concurrency: 2, retryBaseMs: 50, ...settings },
  });
  const filemill = await startFilemill(config, { reserveSpace: false, ...start });
  return {
    url: filemill.url,
    dataDir: dir,
    filemill,
    async close() {
      await filemill.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface UploadFile {
  name: string;
  data: Buffer | string;
}

export function form(files: UploadFile[], fields: Record<string, string> = {}): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  for (const file of files) body.append('files', new Blob([file.data]), file.name);
  return body;
}

export async function submit(
  url: string,
  files: UploadFile[],
  fields: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${url}/api/batches`, { method: 'POST', body: form(files, fields) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

export async function postJson(url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const FINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

/** Polls until the batch is final (or `until` holds); fails after `timeoutMs`. */
export async function waitForBatch(
  url: string,
  id: string,
  until: (batch: any) => boolean = (b) => FINAL.includes(b.status),
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson(`${url}/api/batches/${id}`);
    if (until(body)) return body;
    if (Date.now() > deadline)
      throw new Error(`batch ${id} did not get there in time: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function allFiles(url: string, id: string): Promise<any[]> {
  const { body } = await getJson(`${url}/api/batches/${id}/files?limit=1000`);
  return body.items;
}

/** Every file below `dir`, relative. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? '', e.name).slice(dir.length + 1));
}

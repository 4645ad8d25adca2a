/**
 * What the fault-injection suite shares: a seeded PRNG (a failing seed replays the same
 * moments), `filemill serve` as its own process that a test kills with SIGKILL and starts
 * again on the same data folder, and `assertReadable`, every check of what a client reads
 * from a batch after a fault.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BATCH_END_TYPES } from '../../../src/core/events.js';
import { BUILT_ARGS, SOURCE_ARGS, startFilemillCli } from './cli.js';
import { TEST_PROCESSORS } from './env.js';
import { workerPids } from './processes.js';
import { allFiles, getJson, waitForBatch } from './server.js';
import { readSse, type SseEvent } from './sse.js';
import { readWs } from './ws.js';
import { readZip } from './zip.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** mulberry32: a tiny PRNG, the same numbers for the same seed on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ServedProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far (warnings and errors: the log level is `warn`). */
  output(): string;
}

export interface ServeOptions {
  dataDir: string;
  /** PostgreSQL; empty for SQLite in the data folder. */
  databaseUrl?: string;
  concurrency?: number;
  /** The port to listen on; a random free one when not given. */
  port?: number;
  /** Armed failpoints (src/core/failpoints.ts), e.g. `file.complete.before-commit@2`. */
  failpoints?: string;
  env?: Record<string, string>;
  /** Run the build (`bin/filemill.js` over dist/, as it ships) instead of the sources. */
  built?: boolean;
}

/** Starts `filemill serve` from the sources (or the build); resolves once it listens. */
export function serveProcess(opts: ServeOptions): Promise<ServedProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FILEMILL_TEST_PROCESSORS: TEST_PROCESSORS,
    FILEMILL_LOG_LEVEL: 'warn',
    FILEMILL_RETRY_BASE_MS: '50',
    ...opts.env,
  };
  delete env.FILEMILL_FAILPOINTS;
  delete env.FILEMILL_DATABASE_URL;
  // The test processors are TypeScript, which only the sources run.
  if (opts.built) delete env.FILEMILL_TEST_PROCESSORS;
  if (opts.failpoints) env.FILEMILL_FAILPOINTS = opts.failpoints;
  if (opts.databaseUrl) env.FILEMILL_DATABASE_URL = opts.databaseUrl;
  const args = [
    ...(opts.built ? BUILT_ARGS : SOURCE_ARGS),
    'serve',
    '--port',
    String(opts.port ?? 0),
    '--data-dir',
    opts.dataDir,
  ];
  args.push('--concurrency', String(opts.concurrency ?? 2));
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /filemill (http:\/\/[\d.:]+)/.exec(output)?.[1];
      if (url) resolve({ child, url, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`the server exited (${code ?? signal}) before it listened:\n${output}`)),
    );
  });
}

/** True once the process has exited (for whatever reason). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the process has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * `kill -9` of the server; resolves once it and its worker processes are gone (a worker
 * notices its parent's death and exits: one left running would hold a file's output open).
 */
export async function kill9(server: ServedProcess): Promise<void> {
  const workers = server.child.pid === undefined ? [] : await workerPids(server.child.pid);
  server.child.kill('SIGKILL');
  await exited(server.child);
  await waitFor('the killed server’s workers exit', async () => workers.every((pid) => !isAlive(pid)));
}

/** A process that still runs: not gone, and not a zombie waiting for init to reap it. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const FINAL_FILE = new Set(['succeeded', 'failed', 'cancelled']);
const FINAL_FILE_EVENTS = new Set(['file.succeeded', 'file.failed', 'file.cancelled']);
const isEnd = (event: { type: string }): boolean =>
  (BATCH_END_TYPES as readonly string[]).includes(event.type);

export interface ReadableExpectations {
  /** What each file's output must hold, by index, for processors that copy their input. */
  inputs?: ReadonlyArray<Buffer | string>;
  /** Files retried by a client: they may end more than once in the log. */
  retried?: boolean;
  /** Where the CLI and the ZIP are read; every check runs against this server. */
  label?: string;
}

/**
 * Every check of what a client reads from a finished batch, after a fault: the batch, the
 * list, the files, every output, the reports, the ZIP, and the event log read to its end
 * event by SSE (resumed with `Last-Event-ID`), by WebSocket and by `filemill status --watch`.
 * Returns the batch as `GET /api/batches/:id` shows it.
 */
export async function assertReadable(url: string, id: string, expect: ReadableExpectations = {}) {
  const since = Date.now() - 3_600_000;
  const batch = await waitForBatch(url, id, undefined, 120_000);

  const list = await getJson(`${url}/api/batches?limit=100`);
  assert.equal(list.status, 200, `GET /api/batches answers 200: ${JSON.stringify(list.body)}`);
  assert.ok(
    list.body.items.some((b: any) => b.id === id),
    'the list holds the batch',
  );
  const one = await getJson(`${url}/api/batches/${id}`);
  assert.equal(one.status, 200, `GET /api/batches/${id} answers 200: ${JSON.stringify(one.body)}`);
  assertTimes(one.body, ['createdAt', 'startedAt', 'finishedAt'], since, `batch ${id}`);

  const { counts, totalFiles } = batch;
  assert.equal(
    counts.queued + counts.running + counts.retrying,
    0,
    `nothing left to run: ${JSON.stringify(counts)}`,
  );
  assert.equal(counts.succeeded + counts.failed + counts.cancelled, totalFiles, 'the counts add up');

  const filesPage = await getJson(`${url}/api/batches/${id}/files?limit=1000`);
  assert.equal(filesPage.status, 200, `GET …/files answers 200: ${JSON.stringify(filesPage.body)}`);
  const files = await allFiles(url, id);
  assert.equal(files.length, totalFiles);
  for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
    assert.equal(files.filter((f) => f.status === status).length, counts[status], `${status} files = counts`);
  }
  for (const file of files) {
    assert.ok(FINAL_FILE.has(file.status), `file ${file.index} is final (${file.status})`);
    assertTimes(file, ['startedAt', 'finishedAt'], since, `file ${file.index}`);
  }

  const succeeded = files.filter((f) => f.status === 'succeeded');
  for (const file of succeeded) {
    const output = await fetch(`${url}/api/batches/${id}/files/${file.index}/output`);
    assert.equal(output.status, 200, `the output of file ${file.index} downloads`);
    const bytes = Buffer.from(await output.arrayBuffer());
    const input = expect.inputs?.[file.index];
    if (input !== undefined)
      assert.deepEqual(bytes, Buffer.from(input), `file ${file.index}'s output is whole`);
  }
  const zip = await fetch(`${url}/api/batches/${id}/results.zip`);
  assert.equal(zip.status, 200, `results.zip answers 200, not ${zip.status}`);
  const entries = await readZip(Buffer.from(await zip.arrayBuffer()));
  for (const file of succeeded) assert.ok(entries.has(file.outputName), `the ZIP holds ${file.outputName}`);
  const report = await getJson(`${url}/api/batches/${id}/report.json`);
  assert.equal(report.status, 200, `report.json answers 200: ${JSON.stringify(report.body)}`);
  assert.equal(report.body.files.length, totalFiles);
  const csv = await fetch(`${url}/api/batches/${id}/report.csv`);
  assert.equal(csv.status, 200, `report.csv answers 200, not ${csv.status}`);
  await csv.arrayBuffer();

  const events = await readSseInTwo(url, id);
  assertLog(events, batch, since, expect);
  await assertWebSocket(url, id, events);
  await assertWatch(url, id, batch, events.length);
  return batch;
}

/** Every named time is null or a valid ISO time after `since` and not in the future. */
function assertTimes(row: Record<string, unknown>, keys: string[], since: number, what: string): void {
  for (const key of keys) {
    const value = row[key];
    if (value === null || value === undefined) continue;
    assertTime(value, since, `${what}: ${key}`);
  }
}

function assertTime(value: unknown, since: number, what: string): void {
  assert.equal(typeof value, 'string', `${what} is a string: ${String(value)}`);
  const ms = Date.parse(value as string);
  assert.ok(
    Number.isFinite(ms) && new Date(ms).toISOString() === value,
    `${what} is an ISO time: ${String(value)}`,
  );
  assert.ok(ms >= since && ms <= Date.now() + 60_000, `${what} is a time of this run: ${String(value)}`);
}

/**
 * As `curl -N …/events?after=0` that a client cuts halfway, then resumes with
 * `Last-Event-ID`: both reads must be ended by the server itself, the second after the end.
 */
async function readSseInTwo(url: string, id: string): Promise<SseEvent[]> {
  const stream = `${url}/api/batches/${id}/events`;
  const whole = await readSse(`${stream}?after=0`, { timeoutMs: 60_000 });
  assert.equal(whole.status, 200);
  assert.ok(whole.ended && whole.events.length > 0 && isEnd(whole.events.at(-1)!.data), sseEnd(whole.events));
  const half = Math.ceil(whole.events.length / 2);
  const first = await readSse(`${stream}?after=0`, { until: (e) => e.length >= half, timeoutMs: 60_000 });
  const last = first.events.at(-1)!.id;
  const rest = await readSse(stream, { headers: { 'last-event-id': String(last) }, timeoutMs: 60_000 });
  assert.equal(rest.status, 200);
  assert.ok(rest.ended, 'the resumed stream is ended by the server');
  const events = [...first.events, ...rest.events];
  assert.deepEqual(
    events.map((e) => e.id),
    whole.events.map((e) => e.id),
    'a stream resumed with Last-Event-ID reads what one read in one go does',
  );
  return events;
}

function sseEnd(events: SseEvent[]): string {
  const last = events.at(-1);
  return `the SSE stream reads to its end event, not ${last ? `seq ${last.id} ${last.data.type}` : 'nothing'}`;
}

/** Gap-free from seq 1, one end at the end, valid times, each file final once, counts as the batch's. */
function assertLog(events: SseEvent[], batch: any, since: number, expect: ReadableExpectations): void {
  events.forEach((event, i) => assert.equal(event.id, i + 1, `seq ${i + 1} is there, once, in order`));
  for (const { id, data } of events) {
    assert.equal(data.seq, id, 'the data carries its seq');
    assertTime(data.at, since, `event ${data.seq} (${data.type}) at`);
    assert.equal(data.batchId, batch.id);
  }
  const end = events.at(-1)!.data;
  assert.ok(isEnd(end), `the log ends with an end event, not ${end.type}`);
  assert.equal(end.status, batch.status, 'the end event has the batch status');
  assert.deepEqual(end.counts, batch.counts, 'the end event has the batch counts');
  if (!expect.retried) {
    const finals = new Map<number, number>();
    for (const { data } of events) {
      if (FINAL_FILE_EVENTS.has(data.type))
        finals.set(data.file.index, (finals.get(data.file.index) ?? 0) + 1);
    }
    for (let i = 0; i < batch.totalFiles; i++)
      assert.equal(finals.get(i), 1, `file ${i} ends once in the log`);
    assert.equal(events.filter((e) => isEnd(e.data)).length, 1, 'the batch ends once');
  }
}

async function assertWebSocket(url: string, id: string, sse: SseEvent[]): Promise<void> {
  const read = await readWs(`${url.replace('http://', 'ws://')}/api/batches/${id}/ws`, 60_000);
  assert.equal(read.messages[0]?.type, 'snapshot', 'the WebSocket sends a snapshot first');
  const events = read.messages.slice(1);
  assert.equal(read.closeCode, 1000, `the WebSocket closes with 1000 after the end (read ${events.length})`);
  assert.deepEqual(
    events.map((e) => [e.seq, e.type, e.at]),
    sse.map((e) => [e.id, e.data.type, e.data.at]),
    'the WebSocket carries the events SSE does',
  );
}

/** `filemill status --watch --json` follows to the end and exits: 0 only for a completed batch. */
async function assertWatch(url: string, id: string, batch: any, count: number): Promise<void> {
  const cli = startFilemillCli(['status', id, '--watch', '--json', '--server', url]);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000);
  const result = await cli.exited;
  clearTimeout(timer);
  const lines = result.stdout.trimEnd().split('\n').filter(Boolean);
  const tail = `exit ${result.code}, ${lines.length} events, stderr: ${result.stderr.slice(-500)}`;
  assert.equal(
    result.code,
    batch.status === 'completed' ? 0 : 1,
    `status --watch exits as the batch ended (${tail})`,
  );
  const seqs = lines.map((line) => JSON.parse(line).seq as number);
  assert.deepEqual(
    seqs,
    Array.from({ length: count }, (_, i) => i + 1),
    `status --watch reads every event (${tail})`,
  );
}

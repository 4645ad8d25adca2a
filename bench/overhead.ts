/**
 * `npm run bench overhead`: the cost that scales with the number of files — filemill's own —
 * measured with a processor that does no work (`copy`, bench/copy-processor/) on 2,000 tiny
 * files in one batch over HTTP, on a fresh server per concurrency (1, 2, …, the cores):
 *
 * - files per second end to end (upload included) and from the 202 to the end;
 * - the server process's own CPU per file (not its workers'), for the upload and in all, and
 *   of it its main thread's; and the same for a second batch on the warm server;
 * - worker-slot time per file beyond the processor's own run;
 * - the event loop's delay p99 over the batch (from /metrics, reset just before);
 * - where the server's CPU goes: one more run under `--cpu-prof`, summarised into the ten
 *   functions with the most self time, and the same grouped by package or source folder;
 * - SQLite statements per file, counted (bench/sql-count.mjs);
 * - system calls per file of the server process (every thread), counted by strace when it is
 *   installed (`apt-get install strace`): the file-system work behind the kernel's share of
 *   the CPU, the same on every machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism, tmpdir } from 'node:os';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gauge, metrics, startServer, waitFinal, type ServerProcess } from './server-process.js';

const PROCESSORS = fileURLToPath(new URL('./copy-processor/processors.js', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILES = 2000;

interface Upload {
  name: string;
  data: Buffer;
}

/** 2,000 distinct small files of 1–2 KiB in a few folders, as from a real tree. */
function tinyFiles(count: number): Upload[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `tree/d${i % 20}/f${i}.bin`,
    data: Buffer.alloc(1024 + (i % 1024), i % 251),
  }));
}

async function submit(url: string, files: Upload[]): Promise<string> {
  const form = new FormData();
  form.append('processor', 'copy');
  for (const f of files) form.append('files', new Blob([f.data]), f.name);
  const response = await fetch(`${url}/api/batches`, { method: 'POST', body: form });
  if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** What `copy` costs alone in this process: a copyFile of the same size, per file (ms). */
async function processorAlonePerFileMs(files: Upload[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-copy-'));
  try {
    for (const [i, f] of files.slice(0, 200).entries()) await writeFile(join(dir, `in${i}`), f.data);
    const started = performance.now();
    for (let i = 0; i < 200; i++) await copyFile(join(dir, `in${i}`), join(dir, `out${i}`));
    return (performance.now() - started) / 200;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withServer<T>(
  env: Record<string, string>,
  nodeArgs: string[],
  fn: (server: ServerProcess) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-overhead-'));
  const server = await startServer(
    dir,
    { FILEMILL_TEST_PROCESSORS: PROCESSORS, FILEMILL_MAX_FILES: String(FILES), ...env },
    nodeArgs,
  );
  try {
    return await fn(server);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One batch of `files` on a warm server with `concurrency` workers. */
async function measure(server: ServerProcess, files: Upload[], concurrency: number, aloneMs: number) {
  // A warm-up batch, so that process start-up and JIT are not counted against the steady state.
  await waitFinal(server.url, await submit(server.url, files.slice(0, 50)));
  await metrics(server.url); // resets the event-loop delay histogram
  const cpuStart = await server.cpuMs();
  const mainStart = await server.mainThreadCpuMs();
  const started = performance.now();
  const id = await submit(server.url, files);
  const uploadMs = performance.now() - started;
  const acceptedAt = Date.now();
  const cpuUpload = (await server.cpuMs()) - cpuStart;
  const batch = await waitFinal(server.url, id);
  const wallMs = performance.now() - started;
  const cpuTotal = (await server.cpuMs()) - cpuStart;
  const cpuMain = (await server.mainThreadCpuMs()) - mainStart;
  const lagP99 = gauge(await metrics(server.url), 'filemill_nodejs_eventloop_lag_p99_seconds');
  if (batch.status !== 'completed') throw new Error(`copy batch ended ${batch.status}`);
  // The files run while the upload arrives: the slots' time is the whole batch's.
  const slotMsPerFile = (wallMs * concurrency) / files.length;
  return {
    concurrency,
    wallMs: Math.round(wallMs),
    uploadMs: Math.round(uploadMs),
    filesPerSecond: round((files.length * 1000) / wallMs),
    /** Files that had ended when the 202 came: they ran while the rest arrived. */
    filesDoneDuringUpload: await filesEndedBy(server.url, id, acceptedAt),
    serverCpuMsPerFile: round(cpuTotal / files.length),
    serverCpuMsPerFileUpload: round(cpuUpload / files.length),
    /** Of serverCpuMsPerFile, the main thread's (JavaScript and its calls); the rest is V8's and libuv's threads. */
    serverCpuMsPerFileMainThread: round(cpuMain / files.length),
    /** Worker-slot time per file over the whole batch, upload included, less the processor's own run. */
    slotOverheadMsPerFile: round(slotMsPerFile - aloneMs),
    eventLoopDelayP99Ms: round(lagP99 * 1000),
    warm: await warmBatch(server, files),
  };
}

/**
 * The same batch once more on the same server: the steady state, with V8's compilation of the
 * hot code behind it (a first batch after the 50-file warm-up still pays much of it).
 */
async function warmBatch(server: ServerProcess, files: Upload[]) {
  const cpuStart = await server.cpuMs();
  const mainStart = await server.mainThreadCpuMs();
  const started = performance.now();
  await waitFinal(server.url, await submit(server.url, files));
  const wallMs = performance.now() - started;
  return {
    filesPerSecond: round((files.length * 1000) / wallMs),
    serverCpuMsPerFile: round(((await server.cpuMs()) - cpuStart) / files.length),
    serverCpuMsPerFileMainThread: round(((await server.mainThreadCpuMs()) - mainStart) / files.length),
  };
}

/** How many of the batch's files had ended by `at` (epoch ms), read page by page. */
async function filesEndedBy(url: string, id: string, at: number): Promise<number> {
  let ended = 0;
  for (let cursor = ''; ;) {
    const page = (await (await fetch(`${url}/api/batches/${id}/files?limit=1000${cursor}`)).json()) as {
      items: Array<{ finishedAt: string | null }>;
      nextCursor: string | null;
    };
    ended += page.items.filter((f) => f.finishedAt !== null && Date.parse(f.finishedAt) <= at).length;
    if (page.nextCursor === null) return ended;
    cursor = `&cursor=${page.nextCursor}`;
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a profile's self time went: `{name, ms, percent}` sorted, at most `top`. */
function rank(selfUs: Map<string, number>, totalUs: number, top: number) {
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: round((us * 100) / totalUs) }));
}

/** `…/node_modules/fastify/lib/x.js` → `fastify`; `…/dist/store/x.js` → `filemill store`. */
function owner(url: string): string {
  if (url === '') return '(native / VM)';
  if (url.startsWith('node:')) return 'node core';
  const path = place(url);
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = path.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const inside = path.split('/');
  return inside[0] === 'dist' ? `filemill ${inside[1]}` : inside.slice(0, 2).join('/');
}

/** The ten functions with the most self time, and self time by package, of a `.cpuprofile`. */
export function summariseProfile(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let totalUs = 0;
  for (const [i, id] of profile.samples.entries()) {
    const frame = byId.get(id)!;
    if (frame.functionName === '(idle)') continue;
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const where = frame.url ? ` ${place(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const group = owner(frame.url);
    byOwner.set(group, (byOwner.get(group) ?? 0) + us);
  }
  return {
    busyMs: Math.round(totalUs / 1000),
    topFunctions: rank(byFunction, totalUs, 10),
    byPackage: rank(byOwner, totalUs, 12),
  };
}

/** A frame's script, relative to the project when it is a file. */
function place(url: string): string {
  if (url.startsWith('file://')) return relative(ROOT, fileURLToPath(url));
  return url.startsWith('/') ? relative(ROOT, url) : url;
}

/** The server run once more under `--cpu-prof` at full concurrency; its profile, summarised. */
async function profiled(files: Upload[], concurrency: number) {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-prof-'));
  try {
    await withServer(
      { FILEMILL_CONCURRENCY: String(concurrency) },
      ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      (s) => measure(s, files, concurrency, 0),
    );
    const [name] = (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile'));
    if (!name) throw new Error('the server wrote no CPU profile');
    // FILEMILL_BENCH_PROFILE=<path> keeps the raw profile, for Chrome's DevTools or speedscope.
    if (process.env.FILEMILL_BENCH_PROFILE)
      await copyFile(join(dir, name), process.env.FILEMILL_BENCH_PROFILE);
    return summariseProfile(JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * SQLite statements the server runs per file (transactions' begin and commit included): 200
 * files at concurrency 2, counted by a preload (bench/sql-count.mjs); the most frequent five.
 * A count, not a time: the same on every machine.
 */
async function statementsPerFile(files: Upload[]) {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-sql-'));
  const counts = join(dir, 'counts.json');
  try {
    await withServer(
      { FILEMILL_CONCURRENCY: '2', FILEMILL_BENCH_SQL_COUNTS: counts },
      ['--import', new URL('./sql-count.mjs', import.meta.url).href],
      async (s) => waitFinal(s.url, await submit(s.url, files)),
    );
    const rows = (JSON.parse(await readFile(counts, 'utf8')) as [string, number][]).sort(
      (a, b) => b[1] - a[1],
    );
    const total = rows.reduce((sum, [, n]) => sum + n, 0);
    return {
      files: files.length,
      perFile: round(total / files.length),
      top: rows.slice(0, 5).map(([sql, n]) => ({ perFile: round(n / files.length), sql: sql.slice(0, 80) })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * System calls the server process makes per file: 500 files at concurrency 2, after a warm-up
 * batch, with strace attached to each of its threads (not to its workers); the most frequent
 * eight. Null when strace is not installed or may not attach.
 */
async function syscallsPerFile(files: Upload[]) {
  if (spawnSync('strace', ['-V']).status !== 0) return null;
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-strace-'));
  const out = join(dir, 'counts.txt');
  try {
    return await withServer({ FILEMILL_CONCURRENCY: '2' }, [], async (server) => {
      await waitFinal(server.url, await submit(server.url, files.slice(0, 50)));
      const threads = await readdir(`/proc/${server.child.pid}/task`);
      const strace = spawn('strace', ['-c', '-o', out, ...threads.flatMap((tid) => ['-p', tid])], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let said = '';
      strace.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
      const ended = once(strace, 'exit');
      // strace says "Process N attached" for each thread before it counts.
      while ((said.match(/attached/g) ?? []).length < threads.length) {
        if (strace.exitCode !== null) return null;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await waitFinal(server.url, await submit(server.url, files));
      strace.kill('SIGINT');
      await ended;
      // The summary's rows: % time, seconds, usecs/call, calls, [errors,] syscall.
      const rows = (await readFile(out, 'utf8'))
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((cells) => cells.length >= 5 && /^\d+$/.test(cells[3]!) && /^[a-z_0-9]+$/.test(cells.at(-1)!))
        .filter((cells) => cells.at(-1) !== 'total')
        .map((cells) => [cells.at(-1)!, Number(cells[3])] as const)
        .sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, n]) => sum + n, 0);
      return {
        files: files.length,
        perFile: round(total / files.length),
        top: rows.slice(0, 8).map(([name, n]) => ({ name, perFile: round(n / files.length) })),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function overheadBench(env: Record<string, string> = {}) {
  const files = tinyFiles(FILES);
  const aloneMs = await processorAlonePerFileMs(files);
  const cores = availableParallelism();
  const levels = [...new Set([1, 2, cores])];
  const runs = [];
  for (const concurrency of levels) {
    runs.push(
      await withServer({ FILEMILL_CONCURRENCY: String(concurrency), ...env }, [], (s) =>
        measure(s, files, concurrency, aloneMs),
      ),
    );
  }
  return {
    files: FILES,
    processorAlonePerFileMs: round(aloneMs),
    runs,
    profile: await profiled(files, cores),
    sqlStatements: await statementsPerFile(files.slice(0, 200)),
    syscalls: await syscallsPerFile(files.slice(0, 500)),
    target: { serverCpuMsPerFile: 1.5, filesPerSecondWith2Workers: 400 },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

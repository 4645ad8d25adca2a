/**
 * `npm run bench`: the engine's figures, printed as JSON.
 *
 * 1. images: 48 photos of 1200–2000 px through preset `web`, end to end over HTTP (upload
 *    start → batch finished), beside the physical limit measured in the same run — the same
 *    conversions by sharp directly, one at a time per core, no server — and their ratio.
 * 2. overhead (bench/overhead.ts): filemill's own cost per file — 2,000 tiny files through a
 *    processor that copies, at concurrency 1, 2 and the cores: files/s, the server's CPU per
 *    file, worker-slot time beyond the copy, event-loop delay, and a CPU profile's top functions.
 * 3. events: how soon a connected SSE client hears that a file finished (p50/p99).
 * 3b. auth: what the access check costs a request — the same read with no key configured, with
 *    an API key and with a share token: round trip and the server's own CPU per request.
 * 4. upload: the server's peak RSS while it receives a 1 GiB batch (100 files of 10 MiB),
 *    streamed by the client so neither side holds it in memory.
 * 5. cli: `filemill submit <folder> --preset web --out <dir>` with no server, as a person
 *    runs it — engine start, upload, processing, writing the results — on the same 48
 *    photos, against sharp directly; and the start-up of the command alone.
 * 5b. cli-start (alone only when asked: `npm run bench cli-start`, bench/cli-start.ts): the
 *    embedded engine's start, wall and CPU time, medians of five; FILEMILL_BENCH_NODE picks
 *    the Node binary.
 * 6. pdf: pdf-sanitize `disarm` on real PDFs (FILEMILL_CORPUS, default ./corpus-data, made
 *    by ../shared/corpus/get.sh; at most 100 of its pdfs/), files per second end to end
 *    (`filemill submit`, no server) against the limit measured in the same run — the
 *    processor's own `run` in one plain child process per core — and their ratio.
 * 7. rasterize: pdf-sanitize `rasterize` (150 DPI, JPEG q85) on corpus PDFs of up to 40 pages
 *    (about 300 pages in all), pages per second through a server over HTTP, beside the limit
 *    measured the same way as in 6, before and after the server run (the faster kept, since
 *    the machine is shared), and their ratio.
 * 8. doc: doc-analyze (preset full) on the same PDFs as 6, measured as 6; the limit adds the
 *    batch aggregate, run once in the bench's process.
 * 9. scale (only when asked: `npm run bench scale`; needs PostgreSQL and Redis): 40 photos on
 *    1 and 2 worker nodes behind an API node, beside what two plain processes gain over one
 *    here (medians of three), and what the BullMQ path adds per file.
 * 10. sandbox (only when asked: `npm run bench sandbox`): 1 and 2 with FILEMILL_SANDBOX
 *    permission and bwrap, and what replacing a worker between two owners costs.
 * 11. ocr (only when asked: `npm run bench ocr`, bench/ocr.ts): rasterize's pages per second
 *    with and without its OCR text layer, on one core.
 * 12. big (only when asked: `npm run bench big`, bench/big.ts): a 10,000-file batch of tiny
 *    files through `copy`: files/s, status and files-page read latency while it runs, the
 *    server's RSS growth, and the event stream read to its end.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { imageProcessor } from '../src/processors/image/descriptor.js';
import { pdfSanitizeProcessor } from '../src/processors/pdf-sanitize/descriptor.js';
import type { AggregateFile, ProcessorAggregate, RunInput } from '../src/processors/processor.js';
import { createRegistry } from '../src/processors/registry.js';
import { resolveSettings } from '../src/processors/settings.js';
import { photoJpeg } from '../test/integration/support/images.js';
import { ProcessPool } from '../src/worker/process-pool.js';
import { bigBatchBench } from './big.js';
import { cliStartBench } from './cli-start.js';
import { startCluster } from './nodes.js';
import { ocrBench } from './ocr.js';
import { overheadBench } from './overhead.js';
import { startServer, waitFinal, type ServerProcess } from './server-process.js';
import { streamBatch } from './stream-upload.js';

const cores = availableParallelism();

function withServer<T>(
  env: Record<string, string>,
  fn: (url: string, rss: () => Promise<number>) => Promise<T>,
): Promise<T> {
  return withProcess(env, (server) => fn(server.url, server.rss));
}

async function submit(
  url: string,
  files: Array<{ name: string; data: Buffer }>,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('files', new Blob([f.data]), f.name);
  const response = await fetch(`${url}/api/batches`, { method: 'POST', body: form, headers });
  if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; token: string };
}

/** The same work as preset `web`, by sharp directly, `cores` conversions at a time. */
async function directWeb(images: Buffer[]): Promise<number> {
  sharp.cache(false);
  sharp.concurrency(1);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (next < images.length) {
        const input = images[next++]!;
        await sharp(input)
          .rotate()
          .resize(2048, 2048, { fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 80 })
          .toBuffer();
      }
    }),
  );
  return performance.now() - started;
}

async function imagesBench(env: Record<string, string> = {}) {
  const images = await Promise.all(
    Array.from({ length: 48 }, (_, i) => photoJpeg(1200 + ((i * 17) % 800), 900 + ((i * 13) % 600), i + 1)),
  );
  const inputBytes = images.reduce((a, b) => a + b.length, 0);
  await directWeb(images.slice(0, cores)); // warm-up: libvips loads its modules once
  const directMs = await directWeb(images);
  const { endToEndMs, acceptedMs, workerMs } = await withServer(env, async (url) => {
    // A warm-up batch with a file per worker, so process start-up is not counted against the steady state.
    const warmUp = images.slice(0, cores).map((data, i) => ({ name: `w${i}.jpg`, data }));
    await waitFinal(url, (await submit(url, warmUp, { processor: 'image', preset: 'web' })).id);
    const started = performance.now();
    const { id } = await submit(
      url,
      images.map((data, i) => ({ name: `photos/IMG_${i}.jpg`, data })),
      { processor: 'image', preset: 'web' },
    );
    const accepted = performance.now() - started;
    const batch = await waitFinal(url, id);
    const endToEnd = performance.now() - started;
    if (batch.status !== 'completed') throw new Error(`image batch ended ${batch.status}`);
    const report = (await (await fetch(`${url}/api/batches/${id}/report.json`)).json()) as any;
    const workerMs = report.files.reduce((sum: number, f: any) => sum + f.durationMs, 0);
    return { endToEndMs: endToEnd, acceptedMs: accepted, workerMs };
  });
  return {
    files: images.length,
    inputMiB: round(inputBytes / 2 ** 20),
    workers: cores,
    endToEndMs: Math.round(endToEndMs),
    /** Of which: the upload, until the 202. */
    uploadMs: Math.round(acceptedMs),
    directSharpMs: Math.round(directMs),
    ratio: round(endToEndMs / directMs),
    /** From the 202 to the end, against the direct conversions. */
    processingRatio: round((endToEndMs - acceptedMs) / directMs),
    /** Time the files spent in their workers, summed, against the direct conversions. */
    workerTimeRatio: round(workerMs / cores / directMs),
    overheadPerFileMs: round(((endToEndMs - directMs) * cores) / images.length),
    target: { ratio: 1.1 },
  };
}

/**
 * How soon a connected client hears that a file finished: the time from the event's commit
 * (`at`) to its arrival over SSE, for 200 tiny images (same machine, same clock).
 */
async function eventsBench() {
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#36a' } })
    .png()
    .toBuffer();
  const files = Array.from({ length: 200 }, (_, i) => ({ name: `e/${i}.png`, data: tiny }));
  return withServer({ FILEMILL_MAX_FILES: '1000' }, async (url) => {
    const { id } = await submit(url, files, { processor: 'image', preset: 'web' });
    const response = await fetch(`${url}/api/batches/${id}/events`);
    const latencies: number[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      const received = Date.now();
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (!data) continue;
        const event = JSON.parse(data[1]!) as { type: string; at: string };
        if (event.type === 'file.succeeded') latencies.push(received - Date.parse(event.at));
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    return {
      files: files.length,
      fileSucceededEvents: latencies.length,
      latencyMs: { p50: pct(50), p99: pct(99), max: latencies.at(-1) },
      target: { p99LatencyMs: 100 },
    };
  });
}

async function uploadBench() {
  return withServer({}, async (url, rss) => {
    const baseline = await rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      rss().then(
        (v) => (peak = Math.max(peak, v)),
        () => {},
      );
    }, 25);
    const started = performance.now();
    const response = await streamBatch(`${url}/api/batches`, {
      files: 100,
      bytesPerFile: 10 * 2 ** 20,
      processor: 'image',
    });
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    if (response.status !== 202) throw new Error(`upload: ${response.status} ${response.body}`);
    return {
      files: 100,
      totalMiB: 1000,
      wallMs: Math.round(wallMs),
      throughputMiBps: round(1000 / (wallMs / 1000)),
      rssBaselineMiB: round(baseline / 2 ** 20),
      rssPeakMiB: round(peak / 2 ** 20),
      rssGrowthMiB: round((peak - baseline) / 2 ** 20),
      target: { rssGrowthMiB: 100 },
    };
  });
}

/**
 * What access control costs a request: the same read (`GET /api/batches/:id`) on a server with
 * no key (open on loopback, no check), with an API key, and with the batch's share token — the
 * round trip and the server's own CPU per request, medians of three rounds of 2,000.
 */
async function authBench() {
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#a63' } })
    .png()
    .toBuffer();
  const files = Array.from({ length: 4 }, (_, i) => ({ name: `a/${i}.png`, data: tiny }));
  const reads = async (server: ServerProcess, headers: Record<string, string>) => {
    const { id, token } = await submit(server.url, files, { processor: 'image', preset: 'web' }, headers);
    const as = (caller: Record<string, string>) =>
      medianCosts(3, 2000, server, () => fetch(`${server.url}/api/batches/${id}`, { headers: caller }));
    return { withHeaders: await as(headers), withToken: await as({ authorization: `Bearer ${token}` }) };
  };
  // The limiter still counts every request; its ceiling is raised so that the rounds fit.
  const env = { FILEMILL_RATE_LIMIT: '1000000' };
  const open = await withProcess(env, async (server) => (await reads(server, {})).withHeaders);
  let key = '';
  const keyed = await withProcess(
    env,
    async (server) => {
      const headers = { authorization: `Bearer ${key}` };
      const { withHeaders, withToken } = await reads(server, headers);
      return { key: withHeaders, token: withToken };
    },
    async (dataDir) => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        fileURLToPath(new URL('../bin/filemill.js', import.meta.url)),
        ...['keys', 'create', '--name', 'bench', '--data-dir', dataDir],
      ]);
      key = /fm_\S+/.exec(stdout)![0];
    },
  );
  return {
    requestsPerRound: 2000,
    open,
    key: keyed.key,
    token: keyed.token,
    keyAddsMs: round(keyed.key.roundTripMs - open.roundTripMs),
    keyAddsServerCpuMs: round(keyed.key.serverCpuMs - open.serverCpuMs),
  };
}

/** A server process on a fresh data folder that `prepare` may fill first; removed afterwards. */
async function withProcess<T>(
  env: Record<string, string>,
  fn: (server: ServerProcess) => Promise<T>,
  prepare: (dataDir: string) => Promise<void> = async () => {},
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-'));
  await prepare(dir);
  const server = await startServer(dir, env);
  try {
    return await fn(server);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** `request` sent `count` times one after another, `rounds` times: per request, the medians. */
async function medianCosts(
  rounds: number,
  count: number,
  server: ServerProcess,
  request: () => Promise<Response>,
): Promise<{ roundTripMs: number; serverCpuMs: number }> {
  const send = async () => {
    const response = await request();
    if (response.status !== 200) throw new Error(`auth bench: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < 1000; i++) await send(); // warm-up: JIT, connection, caches
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cpuBefore = await server.cpuMs();
    const started = performance.now();
    for (let i = 0; i < count; i++) await send();
    wall.push((performance.now() - started) / count);
    cpu.push(((await server.cpuMs()) - cpuBefore) / count);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { roundTripMs: round(median(wall)), serverCpuMs: round(median(cpu)) };
}

/**
 * What bubblewrap costs: the images and overhead benches with `FILEMILL_SANDBOX=permission`
 * and `bwrap`, one after the other, twice each alternately (the better of two kept: the
 * machine is shared), and the cost of replacing a worker between two owners — tiny images on
 * a one-worker pool, all of one owner against owners alternating, per file.
 */
async function sandboxBench() {
  const levels = ['permission', 'bwrap'] as const;
  const images: Record<string, number[]> = { permission: [], bwrap: [] };
  const overhead: Record<string, number[]> = { permission: [], bwrap: [] };
  for (let round = 0; round < 2; round++) {
    for (const level of levels) {
      images[level]!.push((await imagesBench({ FILEMILL_SANDBOX: level })).ratio);
      overhead[level]!.push(
        (await overheadBench({ FILEMILL_SANDBOX: level })).runs.at(-1)!.slotOverheadMsPerFile,
      );
    }
  }
  const best = (values: number[]) => Math.min(...values);
  const replacement = await replacementCost();
  return {
    imagesRatio: { permission: best(images.permission!), bwrap: best(images.bwrap!) },
    imagesRatioRuns: images,
    overheadPerFileMs: { permission: best(overhead.permission!), bwrap: best(overhead.bwrap!) },
    overheadRuns: overhead,
    bwrapAgainstPermission: round(best(images.bwrap!) / best(images.permission!)),
    ...replacement,
    target: { bwrapAgainstPermission: 1.03 },
  };
}

/** Per file, one owner against alternating owners, on a one-worker bwrap pool. */
async function replacementCost(): Promise<{
  oneOwnerPerFileMs: number;
  ownerChangePerFileMs: number;
  replacementMs: number;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-replace-'));
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#63a' } })
    .png()
    .toBuffer();
  const input = join(dir, 'in.png');
  await writeFile(input, tiny);
  const pool = new ProcessPool({ size: 1, bwrap: { workspaceRoot: join(dir, 'sandbox') } });
  let n = 0;
  const { settings } = resolveSettings(imageProcessor, 'web', {});
  const runAs = async (tenant: string) => {
    const result = await pool.run(
      {
        processor: 'image',
        input: {
          inputPath: input,
          outputPath: join(dir, `out-${n++}`),
          contentType: 'image/png',
          name: 't.png',
        },
        settings,
      },
      { tenant },
    );
    if (!result.ok) throw new Error(`replacement bench: ${JSON.stringify(result.error)}`);
  };
  const perFile = async (count: number, tenantOf: (i: number) => string) => {
    const started = performance.now();
    for (let i = 0; i < count; i++) await runAs(tenantOf(i));
    return (performance.now() - started) / count;
  };
  try {
    await perFile(5, () => 'a'); // warm-up
    const oneOwner = await perFile(40, () => 'a');
    const alternating = await perFile(20, (i) => (i % 2 === 0 ? 'b' : 'a'));
    return {
      oneOwnerPerFileMs: round(oneOwner),
      ownerChangePerFileMs: round(alternating),
      replacementMs: round(alternating - oneOwner),
    };
  } finally {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function cliBench() {
  const images = await Promise.all(
    Array.from({ length: 48 }, (_, i) => photoJpeg(1200 + ((i * 17) % 800), 900 + ((i * 13) % 600), i + 1)),
  );
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-cli-'));
  try {
    for (const [i, data] of images.entries()) {
      await mkdir(join(dir, 'in', `day${i % 3}`), { recursive: true });
      await writeFile(join(dir, 'in', `day${i % 3}`, `IMG_${i}.jpg`), data);
    }
    await directWeb(images.slice(0, cores));
    const directMs = await directWeb(images);
    const bin = fileURLToPath(new URL('../bin/filemill.js', import.meta.url));
    const start = await cliStartBench({ runs: 3 });
    const args = [bin, 'submit', join(dir, 'in'), '--preset', 'web', '--json'];
    let result = '';
    const wallMs = await timed(async () => {
      result = (await execFileAsync(process.execPath, [...args, '--out', join(dir, 'out')])).stdout;
    });
    const report = JSON.parse(result) as { ok: boolean; written: string[] };
    if (!report.ok || report.written.length !== images.length + 1) throw new Error('the CLI run failed');
    return {
      files: images.length,
      wallMs: Math.round(wallMs),
      directSharpMs: Math.round(directMs),
      ratio: round(wallMs / directMs),
      /** `filemill --version`: Node and the CLI's modules loading (bench/cli-start.ts). */
      startupMs: start.version.wallMs,
      /**
       * `filemill submit` of one photo without a server, from the process's start to its first
       * line (printed once the embedded engine has answered with its processors and limits):
       * the engine's modules and start-up, the median of three (bench/cli-start.ts).
       */
      engineReadyMs: start.engineReady.wallMs,
      /** The CLI process's own CPU time until that line. */
      engineReadyCpuMs: start.engineReady.cpuMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Scale-out: the same 40 photos (preset web) through an API node and 1, then 2, worker nodes
 * of one worker process each (BullMQ, PostgreSQL), submit to batch end, against what two plain
 * processes gain over one on this machine for the same work; and the time per tiny
 * file through one worker node against the local queue (one worker process each), which is
 * what the BullMQ path adds to a file.
 */
const SCALE_ROUNDS = 3;

/** The median of `rounds` measures taken one after the other. */
async function medianOf(rounds: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < rounds; i++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

async function scaleBench() {
  const photos = await Promise.all(
    Array.from({ length: 40 }, (_, i) => photoJpeg(1600 + ((i * 17) % 400), 1200 + ((i * 13) % 300), i + 1)),
  );
  const files = photos.map((data, i) => ({ name: `p/IMG_${i}.jpg`, data }));
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
  const tinies = Array.from({ length: 100 }, (_, i) => ({ name: `t/${i}.png`, data: tiny }));
  // This machine's other services take the odd slice of its two cores: each figure is the
  // median of three batches (one cluster, warmed up once), not one draw.
  const timeBatch = async (url: string, batch: typeof files) => {
    await waitFinal(url, (await submit(url, batch.slice(0, 2), { processor: 'image', preset: 'web' })).id);
    return medianOf(SCALE_ROUNDS, async () => {
      const started = performance.now();
      const { id } = await submit(url, batch, { processor: 'image', preset: 'web' });
      const result = await waitFinal(url, id);
      if (result.status !== 'completed') throw new Error(`the batch ended ${result.status}`);
      return performance.now() - started;
    });
  };
  const onNodes = async (workers: number, batch: typeof files) => {
    const cluster = await startCluster(workers, 1);
    try {
      return await timeBatch(cluster.url, batch);
    } finally {
      await cluster.stop();
    }
  };
  const oneNodeMs = await onNodes(1, files);
  const twoNodesMs = await onNodes(2, files);
  const ceiling = await parallelCeiling(files.map((f) => f.data));
  const bullmqTinyMs = await onNodes(1, tinies);
  const localTinyMs = await withServer({ FILEMILL_CONCURRENCY: '1', FILEMILL_MAX_FILES: '1000' }, (url) =>
    timeBatch(url, tinies),
  );
  return {
    photos: files.length,
    oneWorkerNodeMs: Math.round(oneNodeMs),
    twoWorkerNodesMs: Math.round(twoNodesMs),
    speedUp: round(oneNodeMs / twoNodesMs),
    /**
     * The same photos through the image processor's own `run` in one plain process, then in
     * two at once, no filemill at all: what two processes gain on this machine's two cores.
     */
    machine: {
      oneProcessMs: Math.round(ceiling.oneMs),
      twoProcessesMs: Math.round(ceiling.twoMs),
      speedUp: round(ceiling.oneMs / ceiling.twoMs),
    },
    /** How much of the machine's own speed-up the scale-out keeps. */
    ofMachineSpeedUp: round(oneNodeMs / twoNodesMs / (ceiling.oneMs / ceiling.twoMs)),
    tinyFiles: tinies.length,
    perFileMs: { bullmq: round(bullmqTinyMs / tinies.length), local: round(localTinyMs / tinies.length) },
    /** What the BullMQ path (job, claim in PostgreSQL, Redis round trips) adds to each file. */
    bullmqExtraPerFileMs: round((bullmqTinyMs - localTinyMs) / tinies.length),
    target: { speedUp: 1.8 },
  };
}

/** The photos through preset `web` by the image processor's `run`, in one process, then in two. */
async function parallelCeiling(photos: Buffer[]): Promise<{ oneMs: number; twoMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-ceiling-'));
  try {
    const { settings } = resolveSettings(imageProcessor, 'web', {});
    const tasks = await Promise.all(
      photos.map(async (data, i) => {
        const inputPath = join(dir, `in-${i}.jpg`);
        await writeFile(inputPath, data);
        return {
          input: {
            inputPath,
            outputPath: join(dir, `out-${i}`),
            contentType: 'image/jpeg',
            name: `${i}.jpg`,
          },
          settings,
        };
      }),
    );
    const oneMs = await medianOf(SCALE_ROUNDS, async () => (await onEveryCore('image', tasks, 1)).ms);
    const twoMs = await medianOf(SCALE_ROUNDS, async () => (await onEveryCore('image', tasks, 2)).ms);
    return { oneMs, twoMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first 100 corpus PDFs by name, or null when there is no corpus. */
async function corpusPdfs(): Promise<{ corpus: string; names: string[] } | null> {
  const corpus = join(process.env.FILEMILL_CORPUS ?? 'corpus-data', 'pdfs');
  const names = (await readdir(corpus).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.pdf'))
    .sort()
    .slice(0, 100);
  return names.length === 0 ? null : { corpus, names };
}

const NO_CORPUS = { skipped: 'no PDFs in the corpus: run ../shared/corpus/get.sh, set FILEMILL_CORPUS' };

/**
 * A processor on the corpus PDFs: `filemill submit` with no server (engine start, upload,
 * processing, the batch aggregate if any, writing the results) against the processor's run
 * (and aggregate) called directly, one file after another, scaled to every core.
 */
async function corpusBench(processor: string, preset: string) {
  const found = await corpusPdfs();
  if (!found) return NO_CORPUS;
  const { corpus, names } = found;
  const descriptor = createRegistry().get(processor)!;
  const { settings } = resolveSettings(descriptor, preset, {});
  const dir = await mkdtemp(join(tmpdir(), `filemill-bench-${processor}-`));
  try {
    const tasks = names.map((name, index) => ({
      input: {
        inputPath: join(corpus, name),
        outputPath: join(dir, `${index}.out`),
        dataPath: join(dir, `${index}.data`),
        contentType: 'application/pdf',
        name,
      },
      settings,
    }));
    const direct = await onEveryCore(processor, tasks);
    const files: AggregateFile[] = tasks.flatMap((task, index) =>
      direct.details[index] === null
        ? []
        : [{ index, name: task.input.name, details: direct.details[index]!, dataPath: task.input.dataPath }],
    );
    const { aggregate } = (await import(descriptor.runModule.href)) as { aggregate?: ProcessorAggregate };
    const ctx = {
      progress: () => {},
      signal: new AbortController().signal,
      limits: { maxInputPixels: 1e8, maxOutputBytes: 1e9 },
    };
    const aggregateMs = await timed(async () => aggregate?.(files, settings, ctx));

    const bin = fileURLToPath(new URL('../bin/filemill.js', import.meta.url));
    await mkdir(join(dir, 'in'));
    for (const name of names) await writeFile(join(dir, 'in', name), await readFile(join(corpus, name)));
    let report = { ok: false, files: [] as { status: string }[] };
    const wallMs = await timed(async () => {
      const args = [bin, 'submit', join(dir, 'in'), '--processor', processor, '--preset', preset];
      args.push('--out', join(dir, 'out'), '--json');
      const result = await execFileAsync(process.execPath, args).catch((e: { stdout: string }) => e);
      report = JSON.parse(result.stdout);
    });
    const limitMs = direct.ms + aggregateMs;
    return {
      files: names.length,
      preset,
      succeeded: report.files.filter((f) => f.status === 'succeeded').length,
      failedDirectly: names.length - files.length,
      filesPerSecond: round((names.length / wallMs) * 1000),
      limitFilesPerSecond: round((names.length / limitMs) * 1000),
      ...(aggregate && { limitAggregateMs: Math.round(aggregateMs) }),
      ratio: round(wallMs / limitMs),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Corpus PDFs (sorted by name) of at most 40 pages each, until about `pages` pages in all. */
async function rasterCorpus(corpus: string, pages: number): Promise<{ name: string; pages: number }[]> {
  const { openPdf } = await import('../src/processors/pdfjs.js');
  const names = (await readdir(corpus).catch(() => [] as string[])).filter((n) => n.endsWith('.pdf')).sort();
  const chosen: { name: string; pages: number }[] = [];
  let total = 0;
  for (const name of names) {
    if (total >= pages) break;
    const doc = await openPdf(await readFile(join(corpus, name)), { maxImagePixels: 1e8 }).catch(() => null);
    if (!doc) continue;
    if (doc.numPages <= 40) {
      chosen.push({ name, pages: doc.numPages });
      total += doc.numPages;
    }
    await doc.destroy();
  }
  return chosen;
}

/** The same `rasterize` in one child per core, no server: each child takes the next file when it is done. */
interface DirectTask {
  input: RunInput;
  settings: Record<string, unknown>;
}

/**
 * The limit a processor can reach on this machine: `tasks` run through its own `run` in one
 * plain child process per core (or `processes`) (bench/processor-direct.ts), no server. Module loading happens
 * before the clock starts. Returns the time and each task's `details` (null when it failed).
 */
async function onEveryCore(
  processor: string,
  tasks: readonly DirectTask[],
  processes = cores,
): Promise<{ ms: number; details: (Record<string, unknown> | null)[] }> {
  const script = fileURLToPath(new URL('./processor-direct.ts', import.meta.url));
  const children: ChildProcess[] = [];
  const answer = (child: ChildProcess) =>
    new Promise<{ details?: Record<string, unknown> | null }>((resolve) => child.once('message', resolve));
  for (let i = 0; i < processes; i++) children.push(fork(script, [], { stdio: 'ignore' }));
  await Promise.all(children.map(answer));
  await Promise.all(
    children.map((child) => {
      const loaded = answer(child);
      child.send({ processor, warmUp: true, ...tasks[0] });
      return loaded;
    }),
  );
  let next = 0;
  const details: (Record<string, unknown> | null)[] = [];
  const started = performance.now();
  await Promise.all(
    children.map(async (child) => {
      while (next < tasks.length) {
        const i = next++;
        const reply = answer(child);
        child.send({ processor, ...tasks[i] });
        details[i] = (await reply).details ?? null;
      }
    }),
  );
  const ms = performance.now() - started;
  for (const child of children) child.kill();
  return { ms, details };
}

async function rasterizeBench() {
  const corpus = join(process.env.FILEMILL_CORPUS ?? 'corpus-data', 'pdfs');
  const files = await rasterCorpus(corpus, 300);
  if (files.length === 0) return NO_CORPUS;
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-raster-'));
  try {
    const { settings } = resolveSettings(pdfSanitizeProcessor, 'rasterize', {});
    const tasks = files.map((f, i) => ({
      input: {
        inputPath: join(corpus, f.name),
        outputPath: join(dir, `direct-${i}.pdf`),
        contentType: 'application/pdf',
        name: f.name,
      },
      settings,
    }));
    const direct = async () => {
      const { ms, details } = await onEveryCore('pdf-sanitize', tasks);
      const sizes = await Promise.all(tasks.map((t) => stat(t.input.outputPath).catch(() => null)));
      return {
        ms,
        pages: details.reduce((sum, d) => sum + (typeof d?.pages === 'number' ? d.pages : 0), 0),
        failed: details.filter((d) => d === null).length,
        outputBytes: sizes.reduce((sum, size) => sum + (size?.size ?? 0), 0),
      };
    };
    const before = await direct();
    const data = await Promise.all(tasks.map((t) => readFile(t.input.inputPath)));
    const server = await withServer({}, async (url) => {
      const warmUp = data.slice(0, cores).map((d, i) => ({ name: `w${i}.pdf`, data: d }));
      await waitFinal(
        url,
        (await submit(url, warmUp, { processor: 'pdf-sanitize', preset: 'rasterize' })).id,
      );
      const started = performance.now();
      const { id } = await submit(
        url,
        files.map((f, i) => ({ name: f.name, data: data[i]! })),
        { processor: 'pdf-sanitize', preset: 'rasterize' },
      );
      await waitFinal(url, id);
      const ms = performance.now() - started;
      const report = (await (await fetch(`${url}/api/batches/${id}/report.json`)).json()) as any;
      const done = report.files.filter((f: any) => f.status === 'succeeded');
      const pages = done.reduce((sum: number, f: any) => sum + (f.details?.pages ?? 0), 0);
      const outputBytes = done.reduce((sum: number, f: any) => sum + (f.outputBytes ?? 0), 0);
      return { ms, pages, failed: report.files.length - done.length, outputBytes };
    });
    const again = await direct();
    const best = again.ms < before.ms ? again : before;
    const pagesPerSecond = (server.pages / server.ms) * 1000;
    const limitPagesPerSecond = (best.pages / best.ms) * 1000;
    return {
      files: files.length,
      pages: files.reduce((sum, f) => sum + f.pages, 0),
      dpi: 150,
      workers: cores,
      pagesPerSecond: round(pagesPerSecond),
      serverMs: Math.round(server.ms),
      failedThroughServer: server.failed,
      limitPagesPerSecond: round(limitPagesPerSecond),
      limitMs: [Math.round(before.ms), Math.round(again.ms)],
      failedDirectly: best.failed,
      /** The same pages drawn the same way should weigh the same both ways. */
      outputMiB: { server: round(server.outputBytes / 2 ** 20), direct: round(best.outputBytes / 2 ** 20) },
      /** The server's time for a page against the limit's (1 = no overhead), as the other ratios. */
      ratio: round(limitPagesPerSecond / pagesPerSecond),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const only = process.argv[2];
const results: Record<string, unknown> = { node: process.version, cores };
if (!only || only === 'images') results.images = await imagesBench();
if (!only || only === 'overhead') results.overhead = await overheadBench();
if (!only || only === 'events') results.events = await eventsBench();
if (!only || only === 'auth') results.auth = await authBench();
if (!only || only === 'upload') results.upload = await uploadBench();
if (!only || only === 'cli') results.cli = await cliBench();
if (only === 'cli-start') results.cliStart = await cliStartBench();
if (!only || only === 'pdf') results.pdf = await corpusBench('pdf-sanitize', 'disarm');
if (only === 'scale') results.scale = await scaleBench();
if (only === 'sandbox') results.sandbox = await sandboxBench();
if (only === 'ocr') results.ocr = await ocrBench();
if (only === 'big') results.big = await bigBatchBench();
if (!only || only === 'doc') results.doc = await corpusBench('doc-analyze', 'full');
if (!only || only === 'pdf' || only === 'rasterize') results.rasterize = await rasterizeBench();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

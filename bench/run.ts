/**
 * `npm run bench`: the engine's figures, printed as JSON.
 *
 * 1. images: 48 photos of 1200–2000 px through preset `web`, end to end over HTTP (upload
 *    start → batch finished), beside the physical limit measured in the same run — the same
 *    conversions by sharp directly, one at a time per core, no server — and their ratio.
 * 2. overhead: per-file orchestration cost, from 200 tiny files through a processor that
 *    does almost nothing (wall × workers / files), and from the images run above.
 * 3. upload: the server's peak RSS while it receives a 1 GiB batch (100 files of 10 MiB),
 *    streamed by the client so neither side holds it in memory.
 */
import { availableParallelism } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { photoJpeg } from '../test/integration/support/images.js';
import { startServer, waitFinal } from './server-process.js';
import { streamBatch } from './stream-upload.js';

const cores = availableParallelism();
const TEST_PROCESSORS = new URL('../test/fixtures/test-processors.ts', import.meta.url).pathname;

async function withServer<T>(
  env: Record<string, string>,
  fn: (url: string, rss: () => Promise<number>) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-'));
  const server = await startServer(dir, env);
  try {
    return await fn(server.url, server.rss);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function submit(
  url: string,
  files: Array<{ name: string; data: Buffer }>,
  fields: Record<string, string>,
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append('files', new Blob([f.data]), f.name);
  const response = await fetch(`${url}/api/batches`, { method: 'POST', body: form });
  if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
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

async function imagesBench() {
  const images = await Promise.all(
    Array.from({ length: 48 }, (_, i) => photoJpeg(1200 + ((i * 17) % 800), 900 + ((i * 13) % 600), i + 1)),
  );
  const inputBytes = images.reduce((a, b) => a + b.length, 0);
  await directWeb(images.slice(0, cores)); // warm-up: libvips loads its modules once
  const directMs = await directWeb(images);
  const endToEndMs = await withServer({}, async (url) => {
    // warm-up batch so worker start-up is not counted against the steady state
    await waitFinal(
      url,
      (await submit(url, [{ name: 'w.jpg', data: images[0]! }], { processor: 'image', preset: 'web' })).id,
    );
    const started = performance.now();
    const { id } = await submit(
      url,
      images.map((data, i) => ({ name: `photos/IMG_${i}.jpg`, data })),
      { processor: 'image', preset: 'web' },
    );
    const batch = await waitFinal(url, id);
    if (batch.status !== 'completed') throw new Error(`image batch ended ${batch.status}`);
    return performance.now() - started;
  });
  return {
    files: images.length,
    inputMiB: round(inputBytes / 2 ** 20),
    workers: cores,
    endToEndMs: Math.round(endToEndMs),
    directSharpMs: Math.round(directMs),
    ratio: round(endToEndMs / directMs),
    overheadPerFileMs: round(((endToEndMs - directMs) * cores) / images.length),
    target: { ratio: 1.1 },
  };
}

async function overheadBench() {
  const files = Array.from({ length: 200 }, (_, i) => ({
    name: `t/${i}.txt`,
    data: Buffer.from(`tiny ${i}\n`),
  }));
  // The test processors are TypeScript: the server and its workers load them through tsx.
  return withServer(
    { FILEMILL_TEST_PROCESSORS: TEST_PROCESSORS, NODE_OPTIONS: '--import tsx' },
    async (url) => {
      await waitFinal(url, (await submit(url, files.slice(0, 4), { processor: 'copy' })).id);
      const started = performance.now();
      const { id } = await submit(url, files, { processor: 'copy' });
      const batch = await waitFinal(url, id);
      const wallMs = performance.now() - started;
      if (batch.status !== 'completed') throw new Error(`copy batch ended ${batch.status}`);
      return {
        files: files.length,
        wallMs: Math.round(wallMs),
        perFileMs: round((wallMs * cores) / files.length),
        filesPerSecond: round((files.length * 1000) / wallMs),
        target: { perFileMs: 5 },
      };
    },
  );
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

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const only = process.argv[2];
const results: Record<string, unknown> = { node: process.version, cores };
if (!only || only === 'images') results.images = await imagesBench();
if (!only || only === 'overhead') results.overhead = await overheadBench();
if (!only || only === 'upload') results.upload = await uploadBench();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

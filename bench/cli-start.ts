/**
 * `npm run bench cli-start`: how long `filemill submit` takes to start its embedded engine —
 * from spawning `filemill submit <one photo>` with no server to its first line on stdout
 * (printed once the engine is up and has answered with its processors and limits), in wall
 * time and in the CLI process's own CPU time (read from /proc at that line; its workers and
 * the sandbox probe are processes of their own and not counted). Also `filemill --version`,
 * Node and the CLI's modules alone. Medians of `FILEMILL_BENCH_RUNS` runs (default 5).
 *
 * `FILEMILL_BENCH_NODE`: the Node binary to run the CLI with (default: this one), e.g. the
 * path `npx -y node@24 -p process.execPath` prints; `FILEMILL_BENCH_BIN`: another build's
 * `bin/filemill.js`, to compare two builds run for run.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCpuMs } from '../src/worker/proc-stats.js';
import { photoJpeg } from '../test/integration/support/images.js';

export interface StartFigures {
  /** Spawn to the first line on stdout, in ms. */
  wallMs: number;
  /** The CLI process's user + system CPU at that line, in ms (10 ms ticks). */
  cpuMs: number;
}

const DEFAULT_BIN = fileURLToPath(new URL('../bin/filemill.js', import.meta.url));

/**
 * Runs `node bin args…` to its end; the figures are taken at its first stdout line.
 * @throws Error when it exits with a code other than 0 or prints nothing.
 */
function firstLine(node: string, bin: string, args: string[]): Promise<StartFigures> {
  const started = performance.now();
  const child = spawn(node, [bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let figures: StartFigures | null = null;
  child.stdout.on('data', () => {
    if (figures) return;
    const wallMs = performance.now() - started;
    // Read at once: the process goes on working (uploading, processing) meanwhile.
    figures = { wallMs, cpuMs: readCpuMs(child.pid!) ?? NaN };
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0 || figures === null) reject(new Error(`filemill ${args[0]} failed (exit ${code})`));
      else resolve(figures);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medians(runs: StartFigures[]): StartFigures {
  return {
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
  };
}

/**
 * The embedded engine's start (`engineReady`) and the bare CLI's (`version`), medians of
 * `runs`, each run a fresh process on the same one-photo folder.
 */
export async function cliStartBench({
  runs = Number(process.env.FILEMILL_BENCH_RUNS ?? 5),
  node = process.env.FILEMILL_BENCH_NODE ?? process.execPath,
  bin = process.env.FILEMILL_BENCH_BIN ?? DEFAULT_BIN,
}: { runs?: number; node?: string; bin?: string } = {}): Promise<{
  node: string;
  runs: number;
  engineReady: StartFigures;
  version: StartFigures;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-bench-start-'));
  try {
    const input = join(dir, 'one');
    await mkdir(input);
    await writeFile(join(input, 'a.jpg'), await photoJpeg(1200, 900, 1));
    const engine: StartFigures[] = [];
    const version: StartFigures[] = [];
    for (let i = 0; i < runs; i++) {
      engine.push(await firstLine(node, bin, ['submit', input, '--out', join(dir, `out-${i}`)]));
      version.push(await firstLine(node, bin, ['--version']));
    }
    const nodeVersion = await new Promise<string>((resolve) => {
      const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('close', () => resolve(text.trim()));
    });
    return { node: nodeVersion, runs, engineReady: medians(engine), version: medians(version) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

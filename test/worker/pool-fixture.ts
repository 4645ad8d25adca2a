/**
 * Shared set-up for the pool tests: a temporary data folder with an input file, the test
 * processors registered through `FILEMILL_TEST_PROCESSORS`, and a task builder that gives
 * every task its own output path.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerTask } from '../../src/worker/process-pool.js';

/** Absolute path of the test processors module; set before any pool forks a child. */
export const TEST_PROCESSORS = fileURLToPath(new URL('../fixtures/test-processors.ts', import.meta.url));
process.env.FILEMILL_TEST_PROCESSORS = TEST_PROCESSORS;

export interface DataDir {
  dir: string;
  input: string;
  /** A file in another temporary folder, outside `dir`: what the sandbox must keep out. */
  outside: string;
  task(processor: string, settings?: Record<string, unknown>, input?: string): WorkerTask;
  remove(): Promise<void>;
}

/** A fresh data folder holding `input.txt` (`inputBytes` bytes). */
export async function makeDataDir(inputBytes = 64): Promise<DataDir> {
  const dir = await mkdtemp(join(tmpdir(), 'filemill-pool-'));
  const input = join(dir, 'input.txt');
  await writeFile(input, 'x'.repeat(inputBytes));
  const otherDir = await mkdtemp(join(tmpdir(), 'filemill-outside-'));
  const outside = join(otherDir, 'secret.txt');
  await writeFile(outside, 'secret');
  let n = 0;
  return {
    dir,
    input,
    outside,
    task(processor, settings = {}, inputPath = input) {
      n += 1;
      return {
        processor,
        input: {
          inputPath,
          outputPath: join(dir, `out-${n}`),
          contentType: 'text/plain',
          name: 'trip/input.txt',
        },
        settings,
      };
    },
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      await rm(otherDir, { recursive: true, force: true });
    },
  };
}

/** The pid a test processor reported in its details. */
export function pidOf(result: { ok: boolean; details?: Record<string, unknown> | null }): number {
  if (!result.ok || !result.details || typeof result.details.pid !== 'number') {
    throw new Error(`expected a successful result with a pid, got ${JSON.stringify(result)}`);
  }
  return result.details.pid;
}

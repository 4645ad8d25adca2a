/**
 * How a processor's `aggregate` travels through the pool as an ordinary task: the server
 * writes a manifest of the batch's succeeded files (with their `details` and data paths) as
 * the task's input, the child turns the `aggregate` export into a run that reads it and
 * writes the JSON result as the task's output. So an aggregate gets every limit a file gets
 * (time, memory, the sandbox) and the server's event loop never does the work.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AggregateFile, ProcessorAggregate, ProcessorRun } from '../processors/processor.js';

interface Manifest {
  files: AggregateFile[];
}

/** The manifest's text for these files. */
export function aggregateManifest(files: readonly AggregateFile[]): string {
  const manifest: Manifest = { files: [...files] };
  return JSON.stringify(manifest);
}

/** The files of a manifest's text. @throws Error when it has no file list. */
export function parseManifest(text: string): AggregateFile[] {
  const value = JSON.parse(text) as Partial<Manifest>;
  if (!Array.isArray(value.files)) throw new Error('The aggregate manifest has no file list.');
  return value.files;
}

/** The `aggregate` export as a run: manifest in, JSON out. */
export function aggregateAsRun(aggregate: ProcessorAggregate): ProcessorRun {
  return async (input, settings, ctx) => {
    const files = parseManifest(await readFile(input.inputPath, 'utf8'));
    const result = await aggregate(files, settings, ctx);
    await writeFile(input.outputPath, JSON.stringify(result ?? null));
    return { outputType: 'application/json' };
  };
}

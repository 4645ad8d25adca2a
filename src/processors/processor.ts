/**
 * What a processor is. A processor has two halves: its descriptor (name, accepted types,
 * settings schema, presets, output naming), which the server reads, and its `run` function,
 * which only the sandboxed worker process loads (so the server never loads libvips & co).
 */
import type { TSchema } from 'typebox';
import type { ErrorCode } from '../core/errors.js';
import type { ProcessorOutput } from '../core/report.js';

export interface Preset {
  name: string;
  title: string;
  settings: Record<string, unknown>;
}

export interface ProcessorDescriptor {
  name: string;
  title: string;
  /** Content types (as sniffed from the bytes, never from the name) this processor takes. */
  accepts: readonly string[];
  /** File extensions that claim an accepted type; an unrecognised file with one is corrupt, not unsupported. */
  extensions: readonly string[];
  /** JSON Schema of the settings object; `additionalProperties: false`. */
  settingsSchema: TSchema;
  presets: readonly Preset[];
  /** The preset used when the client names none. */
  defaultPreset: string;
  /** The output's relative name for an input's, e.g. `a/b.jpg` → `a/b.webp`. */
  outputName(inputName: string, contentType: string | null, settings: Record<string, unknown>): string;
  /**
   * Module URL the worker process imports: its export `run: ProcessorRun`, or, for a module
   * that serves several processors (operator commands), `createRun(name): ProcessorRun`.
   */
  runModule: URL;
  /**
   * True when the run module also exports `aggregate: ProcessorAggregate`: a combined
   * analysis across the batch, run in a worker once the batch's files are final (and again
   * after a retry), stored with the batch and shown as `aggregate` in `report.json`.
   */
  aggregates?: boolean;
  /**
   * What a file's output is: `copy`, the input made over (converted, resized, disarmed), whose
   * size against the input's is worth stating; `report`, what was found in the input (an
   * analysis), whose size says nothing of it, so no size reduction is reported.
   * @defaultValue `copy`
   */
  produces?: ProcessorOutput;
}

export interface RunInput {
  /** Absolute path of the input file (read-only for the processor). */
  inputPath: string;
  /** Absolute path the processor writes its output to. */
  outputPath: string;
  contentType: string | null;
  /** The display name, for messages only. */
  name: string;
  /**
   * Only for a processor that aggregates: where `run` may write what its `aggregate` will need
   * of this file (e.g. term counts), in any format. Kept with the batch, never in the results.
   */
  dataPath?: string;
}

export interface RunLimits {
  /** Largest image, in pixels (width × height), a processor may decode. */
  maxInputPixels: number;
  /** Largest output, in bytes. */
  maxOutputBytes: number;
}

export interface RunContext {
  /** Reports progress, 0–100. Cheap to call often: the worker throttles what it sends. */
  progress(percent: number): void;
  signal: AbortSignal;
  limits: RunLimits;
  /**
   * Registers a process group this run started (operator commands), so the pool's own kills
   * (wall time, memory, cancel) end it too, not only the worker; call the returned function
   * once the group is gone. Absent when a run is called outside the pool (unit tests).
   */
  trackProcessGroup?: (pgid: number) => () => void;
}

export interface RunResult {
  /** Content type of what was written to `outputPath`. */
  outputType: string;
  /** What the processor reports about this file, stored with the file row. */
  details?: Record<string, unknown> | null;
}

export type ProcessorRun = (
  input: RunInput,
  settings: Record<string, unknown>,
  ctx: RunContext,
) => Promise<RunResult>;

/** One succeeded file, as a processor's `aggregate` receives it. */
export interface AggregateFile {
  index: number;
  /** The display name (the uploaded relative path). */
  name: string;
  /** What `run` returned as `details` for it. */
  details: Record<string, unknown> | null;
  /** What `run` wrote at its `dataPath`; the file may be missing if it wrote nothing. */
  dataPath: string;
}

/**
 * The combined analysis of a batch's succeeded files (index order). Its JSON-serialisable
 * result becomes the batch's `aggregate`. Runs in the sandboxed worker, with a file's limits.
 */
export type ProcessorAggregate = (
  files: AggregateFile[],
  settings: Record<string, unknown>,
  ctx: RunContext,
) => Promise<unknown>;

/**
 * A signal from a processor: this file fails now with this code, no retry. The message is
 * shown to the client, so it must not contain server paths.
 */
export class ProcessorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
    this.name = 'ProcessorError';
  }
}

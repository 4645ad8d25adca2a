/**
 * An operator command's work, in the sandboxed worker: a private work folder beside the
 * output (inside the folder the worker may write), the input copied in under a neutral name
 * that keeps its extension (tools that go by extension need it; the stored input stays
 * untouched whatever the command does), argv filled in, the binary run as its own process
 * group with a minimal environment, then its output checked, moved to the output path and
 * typed. Clients see only messages stripped of paths.
 */
import { copyFile, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { splitExtension } from '../../core/filenames.js';
import { checkOutput } from '../../worker/output-check.js';
import { sanitiseMessage } from '../../worker/sanitise-message.js';
import {
  ProcessorError,
  type ProcessorRun,
  type RunContext,
  type RunInput,
  type RunResult,
} from '../processor.js';
import { SNIFF_BYTES, sniffContentType } from '../sniff.js';
import { commandsFromEnv, type CommandSpec } from './config.js';
import { startTree, type TreeExit } from './process-tree.js';

/** How often the output's size is checked while the command runs, in ms. */
const OUTPUT_WATCH_MS = 250;

/** The run of the command `name`, as handed over by the server in `FILEMILL_COMMANDS`. */
export function createRun(name: string): ProcessorRun {
  const spec = commandsFromEnv(process.env).find((command) => command.name === name);
  if (!spec) throw new Error(`There is no operator command named "${name}" in this worker.`);
  return (input, _settings, ctx) => runCommand(spec, input, ctx);
}

/** Runs `spec` on one file. @throws ProcessorError COMMAND_FAILED, TIMEOUT or OUTPUT_TOO_LARGE */
export async function runCommand(spec: CommandSpec, input: RunInput, ctx: RunContext): Promise<RunResult> {
  const work = await mkdtemp(`${input.outputPath}.command-`);
  try {
    const inputPath = join(work, `input${safeExtension(input.name)}`);
    const outputPath = join(work, `output${spec.outputExt}`);
    await copyFile(input.inputPath, inputPath);
    const args = spec.argv
      .slice(1)
      .map((arg) => arg.replaceAll('{input}', inputPath).replaceAll('{output}', outputPath));
    ctx.progress(5);
    const tree = startTree(spec.binary, args, {
      cwd: work,
      env: commandEnv(work),
      timeoutMs: spec.timeoutMs,
      signal: ctx.signal,
      onGroup: ctx.trackProcessGroup,
    });
    // A runaway output is stopped while it grows, not found afterwards on a full disk.
    const watch = setInterval(() => {
      void stat(outputPath).then(
        (s) => s.size > ctx.limits.maxOutputBytes && tree.kill('limit'),
        () => undefined,
      );
    }, OUTPUT_WATCH_MS);
    const exit = await tree.exited.finally(() => clearInterval(watch));
    const clean = (text: string): string =>
      sanitiseMessage(text, { inputPath, outputPath, name: input.name });
    failIfUnsuccessful(spec, exit, ctx, clean);
    const checked = await checkOutput(outputPath, ctx.limits.maxOutputBytes);
    if (!checked.ok) {
      if (checked.failure.error.code === 'OUTPUT_TOO_LARGE') {
        throw new ProcessorError('OUTPUT_TOO_LARGE', checked.failure.error.message);
      }
      throw new ProcessorError(
        'COMMAND_FAILED',
        `The command "${spec.name}" exited with 0 but wrote no output file.`,
      );
    }
    await rename(outputPath, input.outputPath);
    return { outputType: await outputType(input.outputPath, spec.outputExt), details: null };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function failIfUnsuccessful(
  spec: CommandSpec,
  exit: TreeExit,
  ctx: RunContext,
  clean: (text: string) => string,
): void {
  const command = `The command "${spec.name}"`;
  if (exit.killedFor === 'timeout') {
    throw new ProcessorError(
      'TIMEOUT',
      `${command} took longer than its limit of ${spec.timeoutMs} ms and was stopped.`,
    );
  }
  if (exit.killedFor === 'limit') {
    throw new ProcessorError(
      'OUTPUT_TOO_LARGE',
      `${command} wrote more than the limit of ${ctx.limits.maxOutputBytes} bytes and was stopped.`,
    );
  }
  if (exit.killedFor === 'abort') throw new Error(`${command} was stopped: the worker is shutting down.`);
  if (exit.startError)
    throw new ProcessorError('COMMAND_FAILED', `${command} could not be started (${exit.startError}).`);
  if (exit.code === 0) return;
  const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = clean(exit.stderr);
  throw new ProcessorError('COMMAND_FAILED', tail ? `${command} ${how}: ${tail}` : `${command} ${how}.`);
}

/**
 * What the command runs with: a PATH (for the scripts and helpers it starts itself), the
 * locale, and HOME and TMPDIR in its work folder (soffice and others write profiles there).
 * Nothing else of the server's environment: it may hold database URLs and keys.
 */
function commandEnv(work: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
    HOME: work,
    TMPDIR: work,
  };
  for (const key of ['LANG', 'LC_ALL', 'TZ'] as const) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}

/** The display name's extension when it is plain (`.docx`), else none: it becomes part of a path. */
function safeExtension(name: string): string {
  const { ext } = splitExtension(name);
  return /^\.[A-Za-z0-9]{1,16}$/.test(ext) ? ext.toLowerCase() : '';
}

/** Sniffed from the bytes; for what has no signature (text, CSV), by the declared extension. */
async function outputType(path: string, outputExt: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0);
    const sniffed = await sniffContentType(head.subarray(0, bytesRead), path);
    // Text has no signature: the operator's extension says which text it is. Text that the
    // sniffer calls HTML is served as plain text, never as a page (see BY_EXTENSION).
    if (sniffed !== null && !sniffed.startsWith('text/')) return sniffed;
    const declared = BY_EXTENSION[outputExt.toLowerCase()];
    return declared ?? (sniffed === null ? 'application/octet-stream' : 'text/plain; charset=utf-8');
  } finally {
    await file.close();
  }
}

/**
 * Types that sniffing cannot recognise (no magic bytes). Not HTML, SVG or XML: a command's
 * output served as one of those would run scripts in the page's origin.
 */
const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * `filemill submit <files or folders…>`: the whole job from the command line. It collects
 * the files, fits them to the server's limits (several batches if needed), uploads each
 * batch while the previous ones already run, follows every batch live over its event
 * stream, writes each result into `--out` in the same layout as its file succeeds, and
 * prints a summary.
 * Exit 0 only if every file succeeded; Ctrl-C cancels what was sent and exits 130.
 *
 * With `--server` (or FILEMILL_SERVER) every request carries the API key of `--api-key` or
 * FILEMILL_API_KEY, if any, and each accepted batch's share link (read-only, its token in
 * the URL) is printed. Without a server the engine runs inside this process: no key, and no
 * link, since that server is gone when the command ends.
 */
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { renderProcessorList, type ProcessorDescription } from './processor-help.js';
import { goOnWhenStdoutCloses } from './stdout.js';
import { ApiClient, CliError, type ProcessorInfo } from './api-client.js';
import { collectFiles, type InputFile } from './collect-files.js';
import { startEmbeddedEngine, type EmbeddedEngine } from './embedded.js';
import { handleInterrupts } from './interrupt.js';
import { isFinalBatch } from '../core/model.js';
import { MAX_BATCH_NAME } from '../core/batch-name.js';
import { followBatch } from './event-stream.js';
import { counted, formatBytes } from '../core/format.js';
import { planBatches, type BatchPlan } from './plan-batches.js';
import { ResultsWriter } from './results-writer.js';
import { apiKeyFrom, apiKeyOption } from './server-options.js';
import { renderDocAggregate, renderSummary, resultRows } from './submit-summary.js';
import type { SubmitView } from './submit-view.js';
import { uploadBatch, type BatchFields } from './upload.js';
import type { Report } from '../core/report.js';

interface SubmitOptions {
  processor: string;
  preset?: string;
  settings?: string;
  include: string[];
  exclude: string[];
  out: string;
  server?: string;
  apiKey?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `processors`: the processors to list in the help (this filemill's own), given only when
 * the help is asked for — loading them costs every other run of the command its start.
 */
export function submitCommand(processors?: readonly ProcessorDescription[]): Command {
  return new Command('submit')
    .description(
      'Process files and folders: upload them, follow every file live, download the results into --out',
    )
    .argument('<paths...>', 'files and folders (walked recursively; hidden files are skipped)')
    .option('--processor <name>', 'the processor (see GET /api/processors)', 'image')
    .option('--preset <name>', "a preset of the processor (default: the processor's own default)")
    .option(
      '--settings <json>',
      'settings as a JSON object, e.g. \'{"quality": 70}\'; they override the preset (see filemill processors <name>)',
    )
    .option('--include <glob>', 'only files matching (repeatable; *.jpg matches at any depth)', collect, [])
    .option('--exclude <glob>', 'leave out files matching (repeatable)', collect, [])
    .option('--out <dir>', 'the folder for the results (same names are replaced)', 'filemill-results')
    .addOption(
      new Option(
        '--server <url>',
        'a filemill server (FILEMILL_SERVER); without one the engine runs inside this command',
      ),
    )
    .addOption(apiKeyOption())
    .option('--json', 'print the result as JSON (no bars)')
    .addHelpText('after', () => submitHelpAfter(processors))
    .action((paths: string[], options: SubmitOptions) => submit(paths, options));
}

/** After the options: the processors with their presets, and where each one's settings are. */
function submitHelpAfter(processors: readonly ProcessorDescription[] | undefined): string {
  if (!processors) {
    return "\nThe processors: filemill processors; one processor's presets and settings: filemill processors <name>";
  }
  return [
    '',
    "Processors (--processor) and their presets (--preset); a server may add its operator's",
    'commands (filemill processors --server <url>):',
    '',
    renderProcessorList(processors),
  ].join('\n');
}

function checkedFields(options: SubmitOptions, processors: ProcessorInfo[]): BatchFields {
  const processor = processors.find((p) => p.name === options.processor);
  if (!processor) {
    const names = processors.map((p) => p.name).join(', ');
    throw new CliError(
      `UNKNOWN_PROCESSOR: there is no processor "${options.processor}" (there are: ${names}).`,
    );
  }
  if (options.preset && !processor.presets.some((p) => p.name === options.preset)) {
    const names = processor.presets.map((p) => p.name).join(', ');
    throw new CliError(
      `UNKNOWN_PRESET: ${processor.name} has no preset "${options.preset}" (it has: ${names}).`,
    );
  }
  return { processor: processor.name, preset: options.preset, settings: options.settings };
}

function checkSettingsJson(settings: string | undefined): void {
  if (settings === undefined) return;
  let value: unknown;
  try {
    value = JSON.parse(settings);
  } catch (error) {
    throw new CliError(`INVALID_SETTINGS: --settings is not JSON (${(error as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('INVALID_SETTINGS: --settings must be a JSON object, e.g. {"width": 800}.');
  }
}

/** The batches a run has sent, in order, and their share links when they have one. */
interface SentBatches {
  sent: string[];
  /** Batch id → share link; null when there are none (the embedded engine). */
  links: Map<string, string> | null;
}

/** What a run wrote: each batch's report, in the order sent, and the paths in `--out`. */
interface Results {
  reports: Report[];
  written: string[];
}

/** The web page of one batch, opened read-only by its token (shared/API.md, "Auth"). */
function shareUrl(base: string, id: string, token: string): string {
  return `${base}/batches/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
}

/**
 * The batch's name: the folder's, when one folder is submitted (`filemill submit trip/` makes
 * `trip`, and `trip-results.zip` on the page); none for files or several paths.
 */
export async function batchNameOf(paths: readonly string[]): Promise<string | undefined> {
  if (paths.length !== 1) return undefined;
  const folder = resolve(paths[0]!);
  const isFolder = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  // The server refuses a longer name: a long folder name is cut, not the whole upload.
  const name = basename(folder);
  return isFolder && name !== '' ? [...name].slice(0, MAX_BATCH_NAME).join('') : undefined;
}

/** A batch's fields when the files go in `count` batches: each named as its part, `trip (2 of 3)`. */
function partFields(fields: BatchFields, index: number, count: number): BatchFields {
  if (fields.name === undefined || count === 1) return fields;
  const part = ` (${index + 1} of ${count})`;
  return { ...fields, name: [...fields.name].slice(0, MAX_BATCH_NAME - part.length).join('') + part };
}

const sizeOf = (files: readonly InputFile[]): number => files.reduce((sum, f) => sum + f.size, 0);

async function submit(paths: string[], options: SubmitOptions): Promise<void> {
  goOnWhenStdoutCloses();
  checkSettingsJson(options.settings);
  const files = await collectFiles(paths, {
    include: options.include,
    exclude: options.exclude,
    // A second run into the same --out must not take the first run's results as input.
    skip: [options.out],
  });
  if (files.length === 0) {
    throw new CliError(
      `NO_FILES: nothing to submit in ${paths.join(', ')} (hidden files and filters leave none).`,
    );
  }

  const server = options.server ?? process.env.FILEMILL_SERVER;
  // The embedded engine has no keys: one is neither needed nor sent there.
  const apiKey = server ? apiKeyFrom(options.apiKey) : undefined;
  // Share links by batch id; none for the embedded engine, gone when the command ends.
  const links = server ? new Map<string, string>() : null;
  let engine: EmbeddedEngine | null = null;
  const interruption = handleInterrupts(() => engine?.removeDataNow());
  const sent: string[] = [];
  let client: ApiClient | null = null;
  let view: SubmitView | null = null;
  try {
    engine = server ? null : await startEmbeddedEngine();
    client = new ApiClient(engine?.url ?? server, { apiKey });
    // The bars' module, loaded here: `filemill --version` and `--help` start without it.
    const { createSubmitView, viewModeFor } = await import('./submit-view.js');
    interruption.signal.throwIfAborted();
    const [processors, limits] = await Promise.all([client.processors(), client.limits()]);
    const fields = { ...checkedFields(options, processors), name: await batchNameOf(paths) };
    const plan = planBatches(files, limits);
    const size = sizeOfPlan(plan);
    view = createSubmitView(
      viewModeFor(process.stdout, options.json),
      process.stdout,
      size.files,
      size.bytes,
    );
    describeStart(view, plan, size, fields, engine !== null);
    const startedAt = Date.now();
    const results = await runBatches(
      client,
      plan,
      fields,
      view,
      { sent, links },
      options.out,
      interruption.signal,
    );
    view.stop();
    finish(plan, links, results, options, Date.now() - startedAt);
  } catch (error) {
    view?.stop();
    if (interruption.signal.aborted) {
      const cancelled = client ? await cancelBatches(client, sent) : [];
      const what = cancelled.length > 0 ? `; cancelled ${cancelled.join(', ')}` : '';
      process.stderr.write(`filemill: interrupted${what}\n`);
      process.exitCode = 130;
      return;
    }
    if (sent.length > 0 && !engine) {
      process.stderr.write(
        `filemill: what was sent goes on on the server: ${sent.join(', ')} (see \`filemill status <id>\`)\n`,
      );
    }
    throw error;
  } finally {
    view?.stop();
    interruption.dispose();
    await engine?.close();
  }
}

/**
 * Cancels the batches on the server; returns those it cancelled (a batch that had already
 * ended stays as it was). Running files may take a moment to stop, so "cancelled" here means
 * the cancel was accepted.
 */
async function cancelBatches(client: ApiClient, ids: string[]): Promise<string[]> {
  const results = await Promise.allSettled(ids.map((id) => client.cancel(id)));
  return ids.filter((_, i) => {
    const result = results[i]!;
    // A batch that had ended on its own stays as it was.
    const batch = result.status === 'fulfilled' ? result.value : null;
    return batch !== null && (batch.status === 'cancelled' || !isFinalBatch(batch.status));
  });
}

function sizeOfPlan(plan: BatchPlan): { files: number; bytes: number } {
  const all = plan.batches.flat();
  return { files: all.length, bytes: sizeOf(all) };
}

function describeStart(
  view: SubmitView,
  plan: BatchPlan,
  { files, bytes }: { files: number; bytes: number },
  fields: BatchFields,
  embedded: boolean,
): void {
  const batches = counted(plan.batches.length, 'batch', 'batches');
  const preset = fields.preset ? ` (${fields.preset})` : '';
  const where = embedded ? ', run in this process' : '';
  view.note(
    `${counted(files, 'file')}, ${formatBytes(bytes)} → ${fields.processor}${preset} in ${batches}${where}`,
  );
  for (const { file, code, message } of plan.skipped) view.note(`skipped ${file.name} — ${code}: ${message}`);
}

/**
 * Uploads the batches one after another, and follows them one at a time in the same order
 * (one event stream open, whatever the number of batches): the server works on the first
 * while the next is sent. Each output is written into `--out` as its file succeeds; once a
 * batch has ended, what its report lists and is not written yet, then its report. Resolves
 * with the reports and what was written once every batch has ended and is written; on any
 * failure the rest is stopped before it rejects, so nothing goes on in the background.
 */
async function runBatches(
  client: ApiClient,
  plan: BatchPlan,
  fields: BatchFields,
  view: SubmitView,
  { sent, links }: SentBatches,
  out: string,
  interrupted: AbortSignal,
): Promise<Results> {
  const failed = new AbortController();
  const signal = AbortSignal.any([interrupted, failed.signal]);
  const writer = new ResultsWriter(client, out, new Set(), signal);
  const results: Results = { reports: [], written: [] };
  let failure: unknown = null;
  const fail = (error: unknown): void => {
    failure ??= error;
    failed.abort(error);
  };
  let following = Promise.resolve();
  // One report.json per batch: when there are several, each keeps its batch id.
  const reportName = (id: string): string => (plan.batches.length > 1 ? `report-${id}.json` : 'report.json');
  const follow = async (id: string): Promise<void> => {
    if (signal.aborted) return;
    for await (const event of followBatch(client, id, { signal })) {
      view.event(event);
      if (event.type === 'file.succeeded' && event.file) writer.succeeded(id, event.file);
    }
    // The report has the batch, every file and the processor's aggregate in one answer.
    const report = await client.report(id);
    results.written.push(...(await writer.finishBatch(report, reportName(id))));
    results.reports.push(report);
  };
  try {
    for (const [i, files] of plan.batches.entries()) {
      if (signal.aborted) break;
      view.uploading(i + 1, plan.batches.length, files.length, sizeOf(files));
      const accepted = await uploadBatch(
        client,
        files,
        partFields(fields, i, plan.batches.length),
        (bytes) => view.uploadProgress(bytes),
        signal,
      );
      sent.push(accepted.id);
      view.accepted(accepted.id, accepted.totalFiles);
      if (links && accepted.token) {
        const link = shareUrl(client.base, accepted.id, accepted.token);
        links.set(accepted.id, link);
        view.note(`share (read-only): ${link}`);
      }
      following = following.then(() => follow(accepted.id)).catch(fail);
    }
  } catch (error) {
    fail(error);
  }
  await following;
  // Stopped by the signal, the fetches still under way end now, their temporary files removed.
  if (signal.aborted) await writer.settle();
  interrupted.throwIfAborted();
  if (failure) throw failure;
  return results;
}

/** Prints the summary of the run (or the JSON). */
function finish(
  plan: BatchPlan,
  links: SentBatches['links'],
  { reports, written }: Results,
  options: SubmitOptions,
  elapsedMs: number,
): void {
  const batches = reports.map(({ batch, files, aggregate }) => ({ id: batch.id, batch, files, aggregate }));
  const rows = resultRows(batches, plan.skipped);
  const ok = rows.every((r) => r.status === 'succeeded');
  if (options.json) {
    const result = {
      ok,
      elapsedMs,
      out: options.out,
      written,
      batches: batches.map(({ id, batch, aggregate }) => ({
        ...batch,
        ...(aggregate === undefined ? {} : { aggregate }),
        shareUrl: links?.get(id) ?? null,
      })),
      files: rows,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const outputs = written.filter((name) => !/^report(-b_\w+)?\.json$/.test(name)).length;
    process.stdout.write(`\n${renderSummary(rows, { elapsedMs, out: options.out, written: outputs })}\n`);
    for (const { id, aggregate } of batches) {
      const analysis = renderDocAggregate(aggregate, batches.length > 1 ? id : undefined);
      if (analysis) process.stdout.write(`\n${analysis}\n`);
    }
  }
  if (!ok) process.exitCode = 1;
}

/**
 * Writes a batch's outputs into a folder while it runs, for `filemill submit`: each output is
 * fetched (`GET …/files/:index/output`) as soon as its `file.succeeded` event names it, a few
 * at a time, so the results are written as the work goes on, not after it, and what succeeded
 * before an interruption is on disk. At the batch's end its report decides what is there:
 * an output not written yet (its event named none — a server from before events did — or its
 * fetch failed) is fetched then, and `report.json` is written last.
 *
 * Each output goes to a hidden name beside its place and is renamed there once whole, so a
 * file under an output's name is always a whole output. Names come from a server: each is
 * checked to stay inside the folder ("zip slip").
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type { EventFile } from '../core/events.js';
import { takeUniqueName } from '../core/filenames.js';
import type { Report } from '../core/report.js';
import type { ApiClient } from './api-client.js';
import { placeInside } from './paths.js';

/** Outputs fetched at once: enough to hide a remote server's latency, few enough to stay polite. */
const FETCHES_AT_ONCE = 4;

/** Outputs up to this size are read whole and written at once; larger ones are streamed. */
const WHOLE_BELOW_BYTES = 1024 * 1024;

/** One batch's outputs: the name each file's output is written under, and its fetch. */
interface BatchOutputs {
  names: Map<number, string>;
  /** Resolves true once the output is written, false when its fetch failed (retried at the end). */
  fetches: Map<number, Promise<boolean>>;
}

export class ResultsWriter {
  readonly #batches = new Map<string, BatchOutputs>();
  readonly #limit: LimitFunction = pLimit(FETCHES_AT_ONCE);
  /** Folders made so far: each is made once, not once per output. */
  readonly #folders = new Set<string>();

  /**
   * @param taken names already written by this run (lower-cased), shared by its batches: a
   *   name taken again becomes `name (2)` instead of overwriting.
   * @param signal stops the fetches (an interrupted run).
   */
  constructor(
    private readonly client: ApiClient,
    private readonly outDir: string,
    private readonly taken: Set<string>,
    private readonly signal?: AbortSignal,
  ) {}

  /** A file of `batchId` succeeded: its output is fetched in the background when the event names it. */
  succeeded(batchId: string, file: EventFile): void {
    if (file.outputName === undefined) return;
    const batch = this.#batch(batchId);
    // Not awaited here: a failure shows at the batch's end, when its report is read.
    batch.fetches.set(
      file.index,
      this.#fetch(batchId, file.index, file.outputName).catch(() => false),
    );
  }

  /**
   * Once `report`'s batch has ended: waits for its fetches, fetches every succeeded output not
   * written yet, then writes the report as `reportName`. Returns the paths written, relative to
   * the folder: the outputs in file order, then the report.
   * @throws CliError UNSAFE_PATH for a name outside the folder; the fetch's error for an output
   *   that cannot be fetched.
   */
  async finishBatch(report: Report, reportName: string): Promise<string[]> {
    const batchId = report.batch.id;
    const batch = this.#batch(batchId);
    const written: string[] = [];
    for (const file of report.files) {
      if (file.status !== 'succeeded' || file.outputName === null) continue;
      const fetched = batch.fetches.get(file.index);
      if (!(fetched && (await fetched))) await this.#fetch(batchId, file.index, file.outputName);
      written.push(batch.names.get(file.index)!);
    }
    const name = takeUniqueName(reportName, this.taken);
    await mkdir(this.outDir, { recursive: true });
    await writeFile(placeInside(this.outDir, name), `${JSON.stringify(report, null, 2)}\n`);
    this.#batches.delete(batchId);
    return [...written, name];
  }

  #batch(batchId: string): BatchOutputs {
    let batch = this.#batches.get(batchId);
    if (!batch) this.#batches.set(batchId, (batch = { names: new Map(), fetches: new Map() }));
    return batch;
  }

  /** Fetches one output into its place; true once written. */
  async #fetch(batchId: string, index: number, outputName: string): Promise<boolean> {
    const batch = this.#batch(batchId);
    // The name is taken once per file: an output fetched again (a retried file, a failed
    // fetch) replaces itself.
    let name = batch.names.get(index);
    if (name === undefined) batch.names.set(index, (name = takeUniqueName(outputName, this.taken)));
    const target = placeInside(this.outDir, name);
    return this.#limit(async () => {
      const response = await this.client.request(
        `/api/batches/${encodeURIComponent(batchId)}/files/${index}/output`,
        { signal: this.signal },
      );
      const folder = dirname(target);
      if (!this.#folders.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.#folders.add(folder);
      }
      const part = join(folder, `.${basename(target)}.filemill-part`);
      try {
        // A small output (most of a big batch's) in one write; a large one streamed.
        const size = Number(response.headers.get('content-length') ?? Infinity);
        if (size <= WHOLE_BELOW_BYTES) {
          await writeFile(part, new Uint8Array(await response.arrayBuffer()), { signal: this.signal });
        } else {
          await pipeline(Readable.fromWeb(response.body as never), createWriteStream(part), {
            signal: this.signal,
          });
        }
        await rename(part, target);
      } catch (error) {
        await rm(part, { force: true });
        // Made again by the next try, should it be the folder that went.
        this.#folders.delete(folder);
        throw error;
      }
      return true;
    });
  }
}

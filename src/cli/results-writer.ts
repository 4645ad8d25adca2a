/**
 * Writes a batch's outputs into a folder while it runs, for `filemill submit`: each output is
 * fetched (`GET …/files/:index/output`) as soon as its `file.succeeded` event names it, a few
 * at a time, so the results are written as the work goes on, not after it, and what succeeded
 * before an interruption is on disk. At the batch's end its report decides what is there:
 * an output not written yet (its event named none — a server from before events did — or its
 * fetch failed) is fetched then, and `report.json` is written last.
 *
 * Each output goes to a hidden temporary file beside its place and is renamed there once
 * whole, so a file under an output's name is always a whole output. A server's rate limit
 * (`429`) is waited out, not taken for a failure. Names come from a server: each is
 * checked to stay inside the folder ("zip slip").
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type { EventFile } from '../core/events.js';
import { takeUniqueName } from '../core/filenames.js';
import type { Report } from '../core/report.js';
import { CliError, type ApiClient } from './api-client.js';
import { placeInside } from './paths.js';

/** Outputs fetched at once: enough to hide a remote server's latency, few enough to stay polite. */
const FETCHES_AT_ONCE = 4;

/** Outputs up to this size are read whole and written at once; larger ones are streamed. */
const WHOLE_BELOW_BYTES = 1024 * 1024;

/** One batch's outputs: the name each file's output is written under, and its fetch. */
interface BatchOutputs {
  names: Map<number, string>;
  /** Resolves true once the output is written; false when a fetch in the background failed (tried again at the end). */
  fetches: Map<number, Promise<boolean>>;
}

export class ResultsWriter {
  readonly #batches = new Map<string, BatchOutputs>();
  readonly #limit: LimitFunction = pLimit(FETCHES_AT_ONCE);
  /** Folders made so far: each is made once, not once per output. */
  readonly #folders = new Set<string>();
  /** Temporary files made so far, for unique names. */
  #parts = 0;

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

  /**
   * A file of `batchId` succeeded: its output is fetched in the background when the event names
   * it. A file already fetched or being fetched is not fetched again (a file that succeeded
   * cannot run again).
   */
  succeeded(batchId: string, file: EventFile): void {
    if (file.outputName === undefined) return;
    const batch = this.#batch(batchId);
    if (batch.fetches.has(file.index)) return;
    this.#start(batch, batchId, file.index, file.outputName);
  }

  /**
   * Once `report`'s batch has ended: waits for its fetches, fetches every succeeded output not
   * written yet, then writes the report as `reportName` — also when an output could not be
   * fetched. Returns the paths written, relative to the folder: the outputs in file order, then
   * the report.
   * @throws CliError UNSAFE_PATH for a name outside the folder; the first fetch's error when
   *   outputs could not be fetched, naming how many.
   */
  async finishBatch(report: Report, reportName: string): Promise<string[]> {
    const batchId = report.batch.id;
    const batch = this.#batch(batchId);
    const succeeded = report.files.filter((f) => f.status === 'succeeded' && f.outputName !== null);
    // Every output not written yet is asked for at once (a few at a time run), then awaited in order.
    for (const file of succeeded) {
      const fetched = batch.fetches.get(file.index);
      if (!fetched || !(await fetched)) this.#start(batch, batchId, file.index, file.outputName!, true);
    }
    const written: string[] = [];
    const failures: unknown[] = [];
    for (const file of succeeded) {
      const outcome = await batch.fetches.get(file.index)!.then(
        () => null,
        (error: unknown) => error,
      );
      if (outcome === null) written.push(batch.names.get(file.index)!);
      else failures.push(outcome);
    }
    const name = takeUniqueName(reportName, this.taken);
    await mkdir(this.outDir, { recursive: true });
    await writeFile(placeInside(this.outDir, name), `${JSON.stringify(report, null, 2)}\n`);
    this.#batches.delete(batchId);
    if (failures.length > 0) {
      const first = failures[0];
      if (failures.length === 1 && first instanceof CliError) throw first;
      const why = first instanceof Error ? first.message : String(first);
      throw new CliError(
        `${failures.length} outputs of ${batchId} could not be written (${why}); its report is in ${name}.`,
      );
    }
    return [...written, name];
  }

  /** Settles every fetch under way (after the signal stopped them): nothing writes after this. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#batches.values()].flatMap((b) => [...b.fetches.values()]));
  }

  #batch(batchId: string): BatchOutputs {
    let batch = this.#batches.get(batchId);
    if (!batch) this.#batches.set(batchId, (batch = { names: new Map(), fetches: new Map() }));
    return batch;
  }

  /**
   * Starts fetching one output. In the background (`last` false) a failure resolves false, to
   * be tried again at the batch's end; the last try rejects with it.
   */
  #start(batch: BatchOutputs, batchId: string, index: number, outputName: string, last = false): void {
    const fetch = this.#fetch(batch, batchId, index, outputName);
    batch.fetches.set(index, last ? fetch : fetch.catch(() => false));
  }

  /** Fetches one output into its place; true once written. */
  async #fetch(batch: BatchOutputs, batchId: string, index: number, outputName: string): Promise<boolean> {
    // The name is taken once per file: a fetch tried again writes under the same name.
    let name = batch.names.get(index);
    if (name === undefined) batch.names.set(index, (name = takeUniqueName(outputName, this.taken)));
    const target = placeInside(this.outDir, name);
    return this.#limit(async () => {
      const response = await this.#request(
        `/api/batches/${encodeURIComponent(batchId)}/files/${index}/output`,
      );
      const folder = dirname(target);
      // Its own name, not one made from the output's: that could be too long, or another output's.
      const part = join(folder, `.filemill-${process.pid}-${++this.#parts}.part`);
      try {
        if (!this.#folders.has(folder)) {
          await mkdir(folder, { recursive: true });
          this.#folders.add(folder);
        }
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
        await response.body?.cancel().catch(() => undefined);
        await rm(part, { force: true });
        // Made again by the next try, should it be the folder that went.
        this.#folders.delete(folder);
        throw error;
      }
      return true;
    });
  }

  /** A GET; a `429 RATE_LIMITED` is waited out (its `Retry-After`) and asked again. */
  async #request(path: string): Promise<Response> {
    for (;;) {
      try {
        return await this.client.request(path, { signal: this.signal });
      } catch (error) {
        if (!(error instanceof CliError) || error.status !== 429) throw error;
        await sleep(error.retryAfterMs ?? 1000, undefined, { signal: this.signal });
      }
    }
  }
}

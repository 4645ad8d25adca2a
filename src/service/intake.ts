/**
 * A batch received while its first files already run (issue 17). Once the upload names its
 * processor and its first file is stored, the batch is opened in the store — hidden from every
 * client, unable to end — and each stored file is recorded there, where the queue takes it.
 * The upload's end seals the batch, which then shows and ends like any other; a refused
 * upload discards it: its runs are stopped, its rows and blobs deleted, so nothing of it is
 * left that a client could see. A batch whose uploader died is found by its lease, which the
 * intake renews while the upload lasts (`BatchService.sweepAbandonedUploads`).
 */
import type { Batch } from '../core/model.js';
import type { BlobStorage, JobQueue, MetadataStore, NewFile, OpenedBatch } from '../core/ports.js';
import type { ProcessorDescriptor } from '../processors/processor.js';
import { sniffContentType } from '../processors/sniff.js';
import { FilePlanner } from './classify.js';
import { inputKey, type StagedFile } from './upload.js';

/** The batch's processor and settings, resolved from the upload's fields. */
export interface ResolvedJob {
  /** The batch's name, cleaned; null for none. */
  name: string | null;
  descriptor: ProcessorDescriptor;
  preset: string;
  settings: Record<string, unknown>;
}

export interface IntakeOptions {
  store: MetadataStore;
  storage: BlobStorage;
  queue: JobQueue;
  /** The batch as it opens, but for what the fields decide. */
  batch: Omit<OpenedBatch, 'name' | 'processor' | 'preset' | 'settings'>;
  /** How long the upload counts as alive without news; renewed every third of it. */
  leaseMs: number;
  now: () => number;
}

/** Stored files recorded together: at most this many, and none waits longer than FLUSH_MS. */
const FLUSH_FILES = 64;
const FLUSH_MS = 100;
/** How long a discard waits for the runs it stopped to end before deleting what they wrote. */
const DISCARD_WAIT_MS = 10_000;
const DISCARD_POLL_MS = 50;

export class BatchIntake {
  readonly #opts: IntakeOptions;
  #planner: FilePlanner | null = null;
  #pending: StagedFile[] = [];
  #recorded = 0;
  #opened = false;
  #renewal: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The recording under way, if any: recordings run one after another, in file order. */
  #flushing: Promise<void> = Promise.resolve();
  /** A recording that failed on its timer, thrown at the next add or flush. */
  #failure: unknown;

  constructor(opts: IntakeOptions) {
    this.#opts = opts;
  }

  /** Whether the batch is in the store: its files run as they are recorded. */
  get opened(): boolean {
    return this.#opened;
  }

  /** Opens the batch for `job`: from now on its stored files are recorded and run. */
  async open(job: ResolvedJob): Promise<void> {
    const { store, batch, leaseMs, now } = this.#opts;
    this.#planner = new FilePlanner(job.descriptor, job.settings);
    await store.openBatch(
      {
        ...batch,
        name: job.name,
        processor: job.descriptor.name,
        preset: job.preset,
        settings: job.settings,
      },
      now() + leaseMs,
    );
    this.#opened = true;
    // A slow file (a large one, a slow client) records nothing for a while: the lease must
    // not run out meanwhile. A renewal that fails is retried at the next; the upload's own
    // writes fail loudly if the store is gone.
    this.#renewal = setInterval(
      () => void store.addFiles(batch.id, [], now() + leaseMs, now()).catch(() => undefined),
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    this.#renewal.unref();
  }

  /**
   * A stored file: the first is recorded at once, so a worker starts on it; the next ones
   * within FLUSH_MS, or as soon as FLUSH_FILES wait, so a burst of small files costs one
   * commit per chunk and a slow file after them does not hold them back.
   */
  async add(file: StagedFile): Promise<void> {
    this.#throwIfFailed();
    this.#pending.push(file);
    if (!this.#opened) return;
    if (this.#recorded === 0 || this.#pending.length >= FLUSH_FILES) return this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((error: unknown) => {
        this.#failure ??= error;
      });
    }, FLUSH_MS);
  }

  /** Records every stored file not yet recorded, after any recording under way. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#flushing.then(() => this.#record());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #record(): Promise<void> {
    this.#throwIfFailed();
    const planner = this.#planner;
    if (planner === null || this.#pending.length === 0) return;
    const { store, storage, queue, batch, leaseMs, now } = this.#opts;
    const arrived = this.#pending;
    this.#pending = [];
    const files: NewFile[] = [];
    // One at a time: a file read past its head holds a descriptor while it is sniffed.
    for (const file of arrived) {
      const type = await sniffContentType(file.head, storage.localPath(inputKey(batch.id, file.index)));
      files.push(planner.plan(file, type));
    }
    if (!(await store.addFiles(batch.id, files, now() + leaseMs, now()))) throw lostUpload(batch.id);
    this.#recorded += files.length;
    queue.notify();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Ends the upload: the batch shows from now on. Every file must have been recorded. */
  async seal(): Promise<Batch> {
    this.#stopRenewal();
    const sealed = await this.#opts.store.sealBatch(this.#opts.batch.id, this.#opts.now());
    if (sealed === null) throw lostUpload(this.#opts.batch.id);
    return sealed;
  }

  /**
   * Undoes the batch: stops its runs, waits (a while) for them to end, deletes its rows. The
   * caller deletes its blobs after: a run still writing then would leave its output behind.
   */
  async discard(): Promise<void> {
    this.#stopRenewal();
    clearTimeout(this.#timer);
    await this.#flushing;
    if (!this.#opened) return;
    const { store, queue, batch, now } = this.#opts;
    const { running } = await store.cancel(batch.id, null, now());
    if (running.length > 0) queue.abort(batch.id, running);
    queue.forget(batch.id, null);
    const until = now() + DISCARD_WAIT_MS;
    while (running.length > 0 && now() < until) {
      const still = await store.listFiles(batch.id, { status: 'running', limit: 1 });
      if (still.items.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, DISCARD_POLL_MS));
    }
    await store.deleteBatch(batch.id);
  }

  #stopRenewal(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }
}

/** The batch went while it was received: its lease ran out and a sweep deleted it. */
function lostUpload(id: string): Error {
  return new Error(`batch ${id} was deleted while its upload was received (its lease ran out)`);
}

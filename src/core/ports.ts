/**
 * The ports: what the service needs from the outside world, narrow and documented. Adapters
 * (store/, storage/, queue/, worker/) implement them; only service/ combines them.
 * Times are epoch milliseconds, sizes bytes, durations milliseconds.
 */
import type { Readable } from 'node:stream';
import type { ApiKey, NewApiKey } from './api-keys.js';
import type { FileError } from './errors.js';
import type { NameFacts } from './filenames.js';
import type { BatchEvent } from './events.js';
import type { Batch, BatchFile, BatchStatus, FileStatus } from './model.js';

// ---------------------------------------------------------------------------------------
// MetadataStore

export interface NewFile {
  index: number;
  name: string;
  contentType: string | null;
  inputBytes: number;
  /** Decided at submission so names are unique across the batch. */
  outputName: string;
  /** `failed` for a file refused at submission (e.g. `UNSUPPORTED_TYPE`), else `queued`. */
  status: 'queued' | 'failed';
  error: FileError | null;
  /**
   * What cleaning the client's name hid (cut, unseen characters removed); kept beside the
   * processor's details and shown among them. None: the name was kept as sent.
   */
  nameFacts?: NameFacts | null;
}

export interface NewBatch {
  id: string;
  /** Cleaned (core/batch-name.ts); none when absent. */
  name?: string | null;
  processor: string;
  preset: string | null;
  settings: Record<string, unknown>;
  /** sha256 hex of the batch's bearer token. */
  tokenHash: string;
  /** Who created it (an API key's id), or null when the server runs without keys. */
  owner: string | null;
  createdAt: number;
  files: NewFile[];
}

/** A batch as its upload opens it, before any file (`MetadataStore.openBatch`). */
export type OpenedBatch = Omit<NewBatch, 'files'>;

/** A file handed to one runner, with what it needs of its batch. */
export interface LeasedFile {
  file: BatchFile;
  processor: string;
  settings: Record<string, unknown>;
  /** The lease holder; every later write about this run must present it. */
  leaseOwner: string;
  /** The key id that owns the file's batch; null for the anonymous owner (no keys). */
  batchOwner: string | null;
}

/**
 * What `claimFile` found: the file is now leased to the caller; or it cannot run before
 * `until` (leased to a live runner, or retrying after a back-off); or there is nothing to run
 * (it is final, cancelled, or gone).
 */
export type FileClaim =
  { kind: 'leased'; leased: LeasedFile } | { kind: 'wait'; until: number } | { kind: 'none' };

/** Which leases `recoverExpiredLeases` takes back, and when it does. */
export interface RecoverLeasesOptions {
  /** Leases that expired before this time (epoch ms) are dead; may be any number. */
  expiredBefore: number;
  /** The time the recovery is recorded at (epoch ms): the real clock. */
  now: number;
  maxAttempts: number;
}

/** Who takes the next runnable file (`claimNextFile`), and when. */
export interface ClaimNextOptions {
  /** The lease holder of the run: unique per process. */
  owner: string;
  /** The node's name, recorded on the file. */
  node: string;
  leaseMs: number;
  now: number;
}

/** Which file `claimFile` takes, for whom, and how recovery of an expired lease counts. */
export interface ClaimFileOptions {
  batchId: string;
  index: number;
  /** The lease holder of the run, as in `claimNextFile`. */
  owner: string;
  node: string;
  leaseMs: number;
  now: number;
  /** Runs before a file whose runner died fails with `WORKER_CRASHED`. */
  maxAttempts: number;
}

/** A file waiting to run (`queued`, or `retrying` until `notBefore`), for a queue to enqueue. */
export interface WaitingFile {
  batchId: string;
  index: number;
  /** Runs started so far: with the index, names one wait of the file. */
  attempts: number;
  /** Epoch ms before which it must not run; null for a queued file. */
  notBefore: number | null;
}

/** How one run of a file ended. */
export type FileOutcome =
  | {
      kind: 'succeeded';
      outputBytes: number;
      outputType: string;
      durationMs: number;
      cpuMs: number;
      details: Record<string, unknown> | null;
    }
  | {
      kind: 'failed';
      error: FileError;
      durationMs: number;
      cpuMs: number;
      details: Record<string, unknown> | null;
    }
  /** A transient failure with attempts left: the file waits until `notBefore`, then runs again. */
  | { kind: 'retrying'; error: FileError; notBefore: number }
  /**
   * The run could not end for a reason outside the file (the disk is full): the file goes back
   * to `queued` and the run does not count as an attempt. `error` says why it waits.
   */
  | { kind: 'requeued'; error: FileError }
  | { kind: 'cancelled' };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListBatchesQuery {
  status?: BatchStatus;
  /** Only this owner's batches; `undefined` means all. */
  owner?: string | null;
  limit: number;
  cursor?: string;
}

export interface ListFilesQuery {
  status?: FileStatus;
  limit: number;
  /** Opaque; from the previous page's `nextCursor`. */
  cursor?: string;
}

/**
 * Batches, their files and their counters. Every state change of a file updates the batch
 * counters and the batch status in the same transaction, and is guarded: a write that does
 * not find the file in the state it expects changes nothing and reports so.
 */
export interface MetadataStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe to call at every start. */
  migrate(): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /**
   * Inserts the batch and all its files in one transaction, sealed: `openBatch`, `addFiles`
   * and `sealBatch` at once.
   */
  createBatch(batch: NewBatch): Promise<Batch>;
  /**
   * Starts a batch whose files are still arriving (logs `batch.queued`). Until `sealBatch` it
   * is hidden from the reads a client makes (`getBatch`, `getBatchAccess`, `listBatches`) and
   * cannot end, while the files `addFiles` brings run like any other. `receivingUntil` is the
   * upload's lease (epoch ms): past it, `listAbandonedUploads` names the batch.
   */
  openBatch(batch: OpenedBatch, receivingUntil: number): Promise<void>;
  /**
   * Adds files (possibly none) to a batch still receiving and renews its lease; a refused
   * file logs `file.failed`. False, changing nothing, when the batch is not receiving (gone).
   */
  addFiles(batchId: string, files: readonly NewFile[], receivingUntil: number, now: number): Promise<boolean>;
  /**
   * Ends the batch's upload: clients see it from now on, and it ends once its files do (at
   * once if they all have). Counts its bytes in its owner's usage of the day. Durable when it
   * resolves, like `createBatch`. Null when there is no batch still receiving with that id.
   */
  sealBatch(batchId: string, now: number): Promise<Batch | null>;
  /** Batches still receiving whose upload lease ended before `before` (their uploader died). */
  listAbandonedUploads(before: number, limit: number): Promise<string[]>;
  getBatch(id: string): Promise<Batch | null>;
  /** The token hash and owner, for authorisation. */
  getBatchAccess(id: string): Promise<{ tokenHash: string; owner: string | null } | null>;
  /**
   * What `owner` (a key id) uses now: its batches not yet finished, and the bytes it uploaded
   * on the UTC day `day` (`YYYY-MM-DD`), deleted batches included.
   */
  ownerUsage(owner: string, day: string): Promise<{ unfinishedBatches: number; bytesToday: number }>;
  /** Replaces the batch's token hash (the old token stops working). False when there is no batch. */
  setBatchToken(id: string, tokenHash: string): Promise<boolean>;
  /** Newest first. */
  listBatches(query: ListBatchesQuery): Promise<Page<Batch>>;
  getFile(batchId: string, index: number): Promise<BatchFile | null>;
  /** By index. */
  listFiles(batchId: string, query: ListFilesQuery): Promise<Page<BatchFile>>;
  /** Every file of a batch by index (reports, ZIP). */
  allFiles(batchId: string): Promise<BatchFile[]>;

  /**
   * Takes the oldest runnable file (`queued`, or `retrying` whose `notBefore` has passed):
   * marks it `running`, counts an attempt, sets its lease to `now + leaseMs`, starts the
   * batch if needed. Two callers never get the same file. Null when nothing is runnable.
   */
  claimNextFile(opts: ClaimNextOptions): Promise<LeasedFile | null>;
  /**
   * Takes one named file (for a queue that delivers files itself, e.g. BullMQ): a `queued`
   * file, or a `retrying` one whose `notBefore` has passed, becomes `running` as in
   * `claimNextFile`. A `running` file whose lease expired before `now` (its runner died) is
   * first recovered as by `recoverExpiredLeases`, in the same transaction, then taken if that
   * queued it. A live lease or a future `notBefore` gives `wait`; anything else `none`.
   */
  claimFile(opts: ClaimFileOptions): Promise<FileClaim>;
  /**
   * Files waiting to run, oldest batch first then by index, at most `limit`, after the
   * (batchId, index) `after` when given (paging).
   */
  listWaitingFiles(opts: {
    limit: number;
    after?: { batchId: string; index: number };
  }): Promise<WaitingFile[]>;
  /**
   * Extends a running file's lease. `lost` when the file is no longer running under this
   * owner; `cancel` when a cancel was requested (the caller stops the run).
   */
  renewLease(
    batchId: string,
    index: number,
    owner: string,
    expiresAt: number,
  ): Promise<'ok' | 'lost' | 'cancel'>;
  /** Progress 0–100 of a running file at `now`; ignored when the lease is not this owner's. */
  setProgress(batchId: string, index: number, owner: string, progress: number, now: number): Promise<void>;
  /**
   * Records how a run ended, only if the file is still `running` under `owner`. A file
   * whose cancel was requested ends `cancelled` whatever the outcome, except `succeeded`
   * (a run that finished in the same instant keeps its result). `requeued` gives back the
   * attempt the claim counted. Returns false when the guard did not match (nothing changed).
   */
  completeFile(
    batchId: string,
    index: number,
    owner: string,
    outcome: FileOutcome,
    now: number,
  ): Promise<boolean>;
  /**
   * `completeFile`, then `claimNextFile` with `claim`, in one transaction: a runner that
   * finished hands its slot to the next file with one commit instead of two. `recorded` is
   * what `completeFile` returns; `next` the file now leased, or null.
   */
  completeAndClaimNext(
    batchId: string,
    index: number,
    owner: string,
    outcome: FileOutcome,
    now: number,
    claim: ClaimNextOptions,
  ): Promise<{ recorded: boolean; next: LeasedFile | null }>;
  /**
   * Files `running` whose lease expired before `opts.expiredBefore` (their runner died):
   * cancelled if a cancel was requested; else back to `queued` while attempts < `maxAttempts`;
   * else `failed` with `WORKER_CRASHED`. The moves are recorded at `opts.now`, the real clock:
   * which leases count as expired is a separate question from what time it is (the one server
   * of an embedded database, starting, takes every lease as expired). Returns how many files
   * it moved.
   */
  recoverExpiredLeases(opts: RecoverLeasesOptions): Promise<number>;

  /**
   * Cancels one file (`index`) or the whole batch (null): queued and retrying files become
   * `cancelled` at once; running ones are flagged and returned, for their runners to stop.
   * A batch cancel also flags the batch so it ends `cancelled`. Idempotent.
   */
  cancel(batchId: string, index: number | null, now: number): Promise<{ running: number[] }>;
  /**
   * Moves the given files (default: every `failed` and `cancelled` one) back to `queued`,
   * clears the batch's cancel flag and sets the batch `running`. Throws `CONFLICT` (AppError)
   * when a listed file is not `failed` or `cancelled`, `NOT_FOUND` when an index does not exist.
   * Returns how many files it queued.
   */
  retry(batchId: string, indices: number[] | null, now: number): Promise<number>;
  /**
   * Stores the processor's combined analysis of a finished batch, only while the batch is
   * still final with this `finishedAt` (a retry since then makes it stale: nothing changes).
   * A retry clears it. Returns whether it was stored.
   */
  setAggregate(batchId: string, aggregate: unknown, finishedAt: number): Promise<boolean>;
  /** Deletes the batch and its file rows. False when there was none. */
  deleteBatch(id: string): Promise<boolean>;
  /** Ids of finished batches whose `finishedAt` is before `before`, oldest first. */
  listFinishedBefore(before: number, limit: number): Promise<string[]>;
  /** Which of these ids exist (to find blobs with no batch after a crash). */
  existingBatchIds(ids: string[]): Promise<Set<string>>;

  /**
   * The batch's logged events with `seq > afterSeq`, in order, at most `limit`. Every method
   * above that changes a file or a batch appends its events in the same transaction.
   */
  listEvents(batchId: string, afterSeq: number, limit: number): Promise<BatchEvent[]>;
  /**
   * Called after each commit with the events that transaction appended (in seq order), so
   * they can be relayed live. One listener; a later call replaces it.
   */
  onEvents(listener: (events: BatchEvent[]) => void): void;
}

// ---------------------------------------------------------------------------------------
// ApiKeyStore

/**
 * The operator's API keys (core/api-keys.ts), kept in the metadata database. A port of its
 * own rather than more methods on `MetadataStore`: the batch service, the queues and the
 * workers never need keys, while the CLI's `keys` commands and the server's authentication
 * need nothing else; both ports are implemented by the same store class, on the same
 * database. Keys are revoked, never deleted, so a key id stays valid as a batch's `owner`.
 */
export interface ApiKeyStore {
  /**
   * Stores a new key (its hash only) and returns its record.
   * @throws AppError INVALID_REQUEST for a bad name or limit (core/api-keys.ts rules);
   *   CONFLICT when a key of that name exists, revoked or not (nothing is stored).
   */
  createApiKey(key: NewApiKey): Promise<ApiKey>;
  /** Every key, revoked ones too, oldest first (then by name). Never the key or its hash. */
  listApiKeys(): Promise<ApiKey[]>;
  /**
   * Stops the key named `name` from working, from `now` (epoch ms). Revoking a revoked key
   * changes nothing. Returns the record.
   * @throws AppError NOT_FOUND when no key has that name.
   */
  revokeApiKey(name: string, now: number): Promise<ApiKey>;
  /**
   * The key whose hash is `hash` (`hashApiKey` of what a client presented), or null when
   * there is none or it is revoked. The hashes are compared in constant time.
   */
  findApiKey(hash: string): Promise<ApiKey | null>;
  /** Records that key `id` was used at `now` (epoch ms); an earlier `now` changes nothing. */
  touchApiKey(id: string, now: number): Promise<void>;
  /**
   * Whether any key was ever created, revoked ones included: revoking the last key must not
   * open the server to anyone. Keys are never deleted, so once true it stays true: a caller
   * may keep a `true` for good and ask again only while the answer is false. One indexed
   * probe of one row.
   */
  hasApiKeys(): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------
// BlobStorage

/** A storage key of ours, e.g. `b_…/in/3`; never a user-supplied file name. */
export type BlobKey = string;

/** Thrown by `put` when the body is longer than `maxBytes`; nothing is kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`body exceeds ${maxBytes} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

export interface PutOptions {
  maxBytes?: number;
  /** How many of the first bytes to give back (for content sniffing). @defaultValue 0 */
  keepHead?: number;
}

export interface PutResult {
  size: number;
  /** The first `keepHead` bytes (fewer when the blob is shorter). */
  head: Buffer;
}

/** Where uploaded inputs and produced outputs live. */
export interface BlobStorage {
  /**
   * Streams `body` to `key` and resolves once it is complete (durable after `sync`); `key` is
   * not to be read before. Throws `BlobTooLargeError` past `maxBytes`, and on any failure
   * leaves nothing at `key`.
   */
  put(key: BlobKey, body: Readable, opts?: PutOptions): Promise<PutResult>;
  /** A stream of the blob; throws `NOT_FOUND` (AppError) when absent. */
  get(key: BlobKey): Promise<Readable>;
  /** Deletes every blob under `prefix` (a batch id). */
  delete(prefix: BlobKey): Promise<void>;
  /** The top-level prefixes present (batch ids), to find orphans. */
  listPrefixes(): Promise<string[]>;
  /**
   * When anything under `prefix` was last written (epoch ms), or null when nothing is there:
   * an upload still being received is written to all the time.
   */
  lastWrite(prefix: BlobKey): Promise<number | null>;
  /** Makes every blob under `prefix`, and their names, durable (fsync). */
  sync(prefix: BlobKey): Promise<void>;
  /** A filesystem path for `key`, for the sandboxed worker to read. */
  localPath(key: BlobKey): string;
  /** A filesystem path for the worker to write `key` to, its folder created. */
  prepareWrite(key: BlobKey): Promise<string>;
  /** Throws when the storage cannot be used. */
  ping(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// JobQueue

/**
 * Runs one leased file to its end; provided by the service, called by the queue. A queue
 * that claims from the store passes `handOff`: asked once the run ended, it gives the claim
 * for the file to run next in the same slot (null: none wanted, e.g. the queue is stopping),
 * and the runner resolves with that file, leased in the transaction that recorded this one.
 */
export type FileRunner = (
  leased: LeasedFile,
  signal: AbortSignal,
  handOff?: () => ClaimNextOptions | null,
) => Promise<LeasedFile | null>;

/**
 * Hands runnable files to a runner, at most `concurrency` at a time, and stops running ones
 * on request.
 */
export interface JobQueue {
  readonly kind: 'local' | 'bullmq';
  start(runner: FileRunner): void;
  /** New runnable files exist (a submit, a retry): look now, not at the next poll. */
  notify(): void;
  /** Stops the runs of these files wherever they run (their runners see `signal` abort). */
  abort(batchId: string, indices: number[]): void;
  /**
   * Drops what the queue holds for files cancelled while they waited (the batch's, with
   * `indices` null). Only an optimisation: a file's state is the store's, and a job of a
   * cancelled file finds nothing to do.
   */
  forget(batchId: string, indices: number[] | null): void;
  /**
   * Takes no new file until `resume` (the disk is full): runs in flight go on. Idempotent.
   * Files that wait meanwhile stay in the store, as always.
   */
  pause(): void;
  /** Takes files again after `pause`, looking for them at once. Idempotent. */
  resume(): void;
  /** Stops taking files and waits for the runs in flight to end. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Free space

/** Free space of the filesystem holding the data folder, in bytes, and whether that is "full". */
export interface SpaceReading {
  freeBytes: number;
  totalBytes: number;
  /** Free space is below the configured minimum. */
  full: boolean;
}

/**
 * Watches the free space of the data folder: below a threshold the server refuses uploads
 * (`STORAGE_FULL`) and its queue takes no file until space is back.
 */
export interface SpaceWatch {
  /** Reads the free space now (and notices a change of state). @throws when it cannot be read */
  check(): Promise<SpaceReading>;
  /** @throws AppError STORAGE_FULL when free space is below the threshold now. */
  assertRoom(): Promise<void>;
  /**
   * Frees the space held back for the database (if any), after one of its writes failed for
   * want of space; it is held again once the disk no longer counts as full.
   */
  releaseReserve(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// EventBus

/**
 * Relays batch events from where they are committed to every process that serves clients.
 * Only a fast path: the event log in the store is the truth, and readers fill gaps from it.
 */
export interface EventBus {
  readonly kind: 'local' | 'redis';
  /** Sends committed events (of any batches) to the subscribers of their batch. */
  publish(events: BatchEvent[]): void;
  /**
   * Calls `listener` with each later event of `batchId`; returns the unsubscribe function.
   * `onResync` is called whenever events of the batch may have been missed since `subscribe`
   * returned — a subscription across the network that became live only now, or came back
   * after a lost connection: what was published before that call is in the log, so the
   * caller reads the log from the last `seq` it has. A bus that cannot miss one never calls it.
   */
  subscribe(batchId: string, listener: (event: BatchEvent) => void, onResync?: () => void): () => void;
  close(): Promise<void>;
}

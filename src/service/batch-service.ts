/**
 * The use cases — submit, read, follow, cancel, retry, delete, results — and the only place
 * where the ports meet. HTTP and the CLI call this; it calls the store, storage, queue and
 * event bus, which nothing outside the service touches. Every use of a batch names the
 * principal asking, and `Access` decides whether it may.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { cleanBatchName } from '../core/batch-name.js';
import { AppError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { isNoSpace } from '../core/no-space.js';
import { isUnreachable, neverReached } from '../core/unreachable.js';
import { hashToken, newBatchId, newToken } from '../core/ids.js';
import type { BatchEvent } from '../core/events.js';
import type { Batch, BatchFile } from '../core/model.js';
import type {
  ApiKeyStore,
  BlobStorage,
  EventBus,
  JobQueue,
  ListBatchesQuery,
  ListFilesQuery,
  MetadataStore,
  Page,
  SpaceWatch,
} from '../core/ports.js';
import { listedOwner, ownerOf, tokenForbidden, type Principal } from '../core/principal.js';
import { buildReport, reportCsv, type Report } from '../core/report.js';
import { createRegistry, type ProcessorRegistry } from '../processors/registry.js';
import type { SandboxLevel } from '../worker/types.js';
import type { ProcessorDescriptor } from '../processors/processor.js';
import { resolveSettings } from '../processors/settings.js';
import type { Metrics } from '../metrics.js';
import { Access, notFound } from './access.js';
import { checkQuota } from './quota.js';
import { followEvents } from './follow-events.js';
import { openOutput, zipResults, type OutputStream } from './results.js';
import { BatchIntake, type ResolvedJob } from './intake.js';
import { inputsKey, stageUpload, type UploadLimits, type UploadPart } from './upload.js';

/** How often a stream opened with a share token checks that the token still opens the batch. */
const TOKEN_RECHECK_MS = 5_000;

export interface BatchServiceOptions {
  store: MetadataStore;
  /** The API keys: once one exists, every call needs one (see Access). */
  keys: ApiKeyStore;
  storage: BlobStorage;
  queue: JobQueue;
  /** Live events, followed after the log (see follow-events.ts). */
  bus: EventBus;
  limits: UploadLimits;
  retentionDays: number;
  metrics?: Metrics;
  /** Makes a finished batch's combined analysis when its processor has one (see Aggregator). */
  aggregator?: { ensure(batchId: string): Promise<void> };
  now?: () => number;
  /** The processors offered. @defaultValue the built-in ones, no operator commands */
  processors?: ProcessorRegistry;
  /** Free space of the data folder: uploads are refused (`STORAGE_FULL`) while it is low. */
  space?: SpaceWatch;
  /** A background write that failed without failing the request (a key's last use). */
  onError?: (error: unknown) => void;
  /** A bearer secret for `/metrics` besides an admin key; '' or absent for none. */
  metricsToken?: string;
  /** What confines the workers, as `/readyz` and `/api/processors` say. @defaultValue level `none` */
  sandbox?: SandboxStatus;
  /**
   * How long an upload counts as alive without news (it renews this as it goes): a batch
   * still receiving past it was left by a dead node (`sweepAbandonedUploads`). @defaultValue 30 s
   */
  uploadLeaseMs?: number;
}

/** The workers' sandbox: its level, and the processors whose workers keep the network. */
export interface SandboxStatus {
  level: SandboxLevel;
  networkProcessors: readonly string[];
}

/** How one processor's files run, for `GET /api/processors`. */
export interface ProcessorSandbox {
  level: SandboxLevel;
  /** Whether its workers can reach the network. */
  network: boolean;
}

/** What `/readyz` reports: each dependency, and the free space when it is watched. */
export interface Readiness {
  sandbox: SandboxLevel;
  store: 'ok' | 'down';
  storage: 'ok' | 'down';
  space: { full: boolean; freeBytes: number } | null;
}

export interface Submitted {
  batch: Batch;
  /** The batch's bearer token; shown once, only its hash is kept. */
  token: string;
}

export class BatchService {
  private readonly store: MetadataStore;
  private readonly storage: BlobStorage;
  private readonly queue: JobQueue;
  private readonly bus: EventBus;
  private readonly access: Access;
  /** Batch id → the streams opened with its share token, told when the token is replaced. */
  private readonly tokensReplaced = new EventEmitter().setMaxListeners(0);
  readonly limits: UploadLimits;
  private readonly retentionDays: number;
  private readonly metrics: Metrics | undefined;
  private readonly aggregator: BatchServiceOptions['aggregator'];
  private readonly registry: ProcessorRegistry;
  /** What confines the workers. */
  readonly sandbox: SandboxStatus;
  private readonly space: SpaceWatch | undefined;
  private readonly uploadLeaseMs: number;
  private readonly onError: (error: unknown) => void;
  readonly now: () => number;

  constructor(opts: BatchServiceOptions) {
    this.store = opts.store;
    this.storage = opts.storage;
    this.queue = opts.queue;
    this.bus = opts.bus;
    this.limits = opts.limits;
    this.retentionDays = opts.retentionDays;
    this.metrics = opts.metrics;
    this.aggregator = opts.aggregator;
    this.now = opts.now ?? Date.now;
    this.registry = opts.processors ?? createRegistry();
    this.sandbox = opts.sandbox ?? { level: 'none', networkProcessors: [] };
    this.space = opts.space;
    this.uploadLeaseMs = opts.uploadLeaseMs ?? 30_000;
    this.onError = opts.onError ?? (() => undefined);
    this.access = new Access({
      store: opts.store,
      keys: opts.keys,
      now: this.now,
      onError: opts.onError,
      metricsToken: opts.metricsToken,
    });
  }

  /** See `Access.authorizeMetrics`. */
  authorizeMetrics(credential: string | null): Promise<void> {
    return this.access.authorizeMetrics(credential);
  }

  /** See `Access.authenticate`: the principal a bearer credential (or none) stands for. */
  authenticate(credential: string | null): Promise<Principal> {
    return this.access.authenticate(credential);
  }

  processors(): ProcessorDescriptor[] {
    return this.registry.list();
  }

  /** How `processor`'s files are confined: the sandbox level, and whether they have the network. */
  processorSandbox(processor: string): ProcessorSandbox {
    const { level, networkProcessors } = this.sandbox;
    // Outside bubblewrap no worker is cut off from the network.
    return { level, network: level !== 'bwrap' || networkProcessors.includes(processor) };
  }

  /**
   * Receives a batch. Its files start to run as they are stored when the fields come first
   * (see intake.ts); the batch shows only once the upload is whole. Durable when it resolves:
   * files fsynced, rows committed. On any error nothing of the upload is left.
   */
  async submit(principal: Principal, parts: AsyncIterable<UploadPart>): Promise<Submitted> {
    if (principal.kind === 'token') throw tokenForbidden();
    const owner = ownerOf(principal);
    const limits = principal.kind === 'key' ? principal.limits : null;
    const id = newBatchId(this.now());
    const token = newToken();
    let committing = false;
    // Refused before a byte is written: an upload on a full disk could only fail half-way.
    await this.space?.assertRoom();
    if (owner !== null && limits !== null) await checkQuota(this.store, owner, limits, this.now(), 0);
    const intake = new BatchIntake({
      store: this.store,
      storage: this.storage,
      queue: this.queue,
      batch: { id, tokenHash: hashToken(token), owner, createdAt: this.now() },
      leaseMs: this.uploadLeaseMs,
      now: this.now,
    });
    try {
      const staged = await stageUpload(id, parts, this.storage, this.limits, {
        // Fields first (the common order): a bad processor or setting fails before any byte is
        // stored, and the files run as they arrive.
        beforeFirstFile: (fields) =>
          fields.has('processor') ? intake.open(this.resolve(fields)) : undefined,
        lateField: (name) => {
          if (!intake.opened) return;
          throw new AppError(
            'INVALID_REQUEST',
            `The field "${name}" came after the files, which already run with the fields before them: send processor, preset, settings and name before the files.`,
          );
        },
        stored: (file) => intake.add(file),
      });
      if (staged.files === 0) {
        throw new AppError('NO_FILES', 'The request carried no file: send one or more `files` parts.');
      }
      if (!intake.opened) await intake.open(this.resolve(staged.fields));
      await intake.flush();
      if (owner !== null && limits !== null) {
        await checkQuota(this.store, owner, limits, this.now(), staged.bytes);
      }
      // The inputs: what the 202 promises. Outputs of files that ran during the upload keep the
      // durability of every output (that of the rows recording them: a process crash, not a
      // power loss); fsyncing them here cost a second fsync for each such file.
      await this.storage.sync(inputsKey(id));
      committing = true;
      failpoint('upload.before-commit');
      const batch = await intake.seal();
      failpoint('upload.after-commit');
      this.metrics?.batchesSubmitted.inc({ processor: batch.processor });
      this.metrics?.bytesReceived.inc(batch.inputBytes);
      return { batch, token };
    } catch (error) {
      // A connection lost under the seal leaves it unknown: the batch may be sealed. Its rows
      // and files stay: sealed, it is the client's; if not, its lease runs out and the sweep
      // of abandoned uploads deletes it.
      const maybeCommitted = committing && isUnreachable(error) && !neverReached(error);
      if (!maybeCommitted) {
        // Failing, it leaves rows whose lease runs out: the sweep of abandoned uploads.
        await intake.discard().catch(this.onError);
        await this.storage.delete(id);
      }
      if (isNoSpace(error)) throw await this.refuseForSpace(id, committing, error);
      throw error;
    }
  }

  /**
   * The disk filled under an upload anyway (the threshold is a guess at the next upload's
   * size): its files are gone already; a batch whose commit went through but whose flush to
   * disk did not is deleted too, so that nothing of a refused upload is left.
   */
  private async refuseForSpace(id: string, committing: boolean, cause: unknown): Promise<AppError> {
    if (committing) await this.store.deleteBatch(id).catch(() => false);
    return new AppError(
      'STORAGE_FULL',
      'The server ran out of disk space while receiving the files: nothing was kept. Try again once space is freed.',
      { cause },
    );
  }

  private resolve(fields: ReadonlyMap<string, string>): ResolvedJob {
    const name = fields.get('processor');
    if (!name) {
      throw new AppError('UNKNOWN_PROCESSOR', 'Name a processor in the `processor` field, e.g. `image`.', {
        details: { available: this.registry.list().map((p) => p.name) },
      });
    }
    const descriptor = this.registry.get(name);
    if (!descriptor) {
      throw new AppError('UNKNOWN_PROCESSOR', `There is no processor named "${name}".`, {
        details: { available: this.registry.list().map((p) => p.name) },
      });
    }
    const overrides = parseSettingsField(fields.get('settings'));
    const presetField = fields.get('preset');
    const { preset, settings } = resolveSettings(descriptor, presetField || undefined, overrides);
    return { name: cleanBatchName(fields.get('name')), descriptor, preset, settings };
  }

  async getBatch(principal: Principal, id: string): Promise<Batch> {
    await this.access.authorize(principal, id, 'read');
    return this.batch(id);
  }

  /** The batches `principal` may see: every one, or its key's own. */
  listBatches(principal: Principal, query: Omit<ListBatchesQuery, 'owner'>): Promise<Page<Batch>> {
    const owner = listedOwner(principal);
    return this.store.listBatches(owner === undefined ? query : { ...query, owner });
  }

  async listFiles(principal: Principal, id: string, query: ListFilesQuery): Promise<Page<BatchFile>> {
    await this.access.authorize(principal, id, 'read');
    return this.store.listFiles(id, query);
  }

  async getFile(principal: Principal, id: string, index: number): Promise<BatchFile> {
    await this.access.authorize(principal, id, 'read');
    return this.file(id, index);
  }

  /**
   * The batch's events after `afterSeq`, then live ones until it ends or `signal` aborts.
   * Checked before it resolves, so a refusal is an ordinary error answer.
   */
  async follow(
    principal: Principal,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): Promise<AsyncGenerator<BatchEvent>> {
    await this.access.authorize(principal, id, 'read');
    if (principal.kind !== 'token') return followEvents(this.store, this.bus, id, afterSeq, signal);
    // A share token replaced meanwhile ends the stream: at once on this node, and within
    // TOKEN_RECHECK_MS on any other (the check reads the token hash in the database).
    const replaced = new AbortController();
    const onReplaced = (): void => replaced.abort();
    this.tokensReplaced.on(id, onReplaced);
    const recheck = setInterval(() => {
      this.access.authorize(principal, id, 'read').catch(() => replaced.abort());
    }, TOKEN_RECHECK_MS);
    recheck.unref();
    const events = followEvents(
      this.store,
      this.bus,
      id,
      afterSeq,
      AbortSignal.any([signal, replaced.signal]),
    );
    const tokensReplaced = this.tokensReplaced;
    return (async function* () {
      try {
        yield* events;
      } finally {
        clearInterval(recheck);
        tokensReplaced.off(id, onReplaced);
      }
    })();
  }

  /** The report: the batch (with its combined analysis once finished) and one row per file. */
  async report(principal: Principal, id: string): Promise<Report> {
    await this.access.authorize(principal, id, 'read');
    const batch = await this.reportedBatch(id);
    const produces = this.registry.get(batch.processor)?.produces;
    return buildReport(batch, await this.store.allFiles(id), this.now(), produces);
  }

  async reportCsv(principal: Principal, id: string): Promise<string> {
    return reportCsv((await this.report(principal, id)).files);
  }

  /** One succeeded file's output, streamed. */
  async output(principal: Principal, id: string, index: number): Promise<OutputStream> {
    await this.access.authorize(principal, id, 'read');
    return openOutput(this.storage, await this.file(id, index));
  }

  /** Every succeeded output in the uploaded folder layout, with the report, as a ZIP stream. */
  async resultsZip(principal: Principal, id: string): Promise<Readable> {
    return zipResults(this.storage, await this.report(principal, id));
  }

  /** Cancels the batch (`index` null) or one file; running files are stopped. Idempotent. */
  async cancel(principal: Principal, id: string, index: number | null): Promise<Batch> {
    await this.access.authorize(principal, id, 'write');
    if (index !== null) await this.file(id, index);
    return this.cancelNow(id, index);
  }

  /** Queues failed and cancelled files again (all of them, or the listed ones). */
  async retry(principal: Principal, id: string, indices: number[] | null): Promise<Batch> {
    await this.access.authorize(principal, id, 'write');
    const queued = await this.store.retry(id, indices, this.now());
    failpoint('retry.after-commit');
    if (queued > 0) this.queue.notify();
    return this.batch(id);
  }

  /**
   * Gives the batch a new share token, shown once; the old one stops working at once.
   * Only the batch's owner (or an admin, or anyone without keys) may.
   */
  async replaceToken(principal: Principal, id: string): Promise<string> {
    await this.access.authorize(principal, id, 'write');
    const token = newToken();
    if (!(await this.store.setBatchToken(id, hashToken(token)))) throw notFound(id);
    this.tokensReplaced.emit(id);
    return token;
  }

  /** Whether the store and the storage answer, and how much space is left. */
  async readiness(): Promise<Readiness> {
    const checks = await Promise.allSettled([this.store.ping(), this.storage.ping()]);
    const [store = 'down', storage = 'down'] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'down'));
    const space = (await this.space?.check().catch(() => null)) ?? null;
    return {
      sandbox: this.sandbox.level,
      store,
      storage,
      space: space && { full: space.full, freeBytes: space.freeBytes },
    };
  }

  private async batch(id: string): Promise<Batch> {
    const batch = await this.store.getBatch(id);
    if (!batch) throw notFound(id);
    return batch;
  }

  private async file(id: string, index: number): Promise<BatchFile> {
    const file = await this.store.getFile(id, index);
    if (!file) throw new AppError('NOT_FOUND', `Batch ${id} has no file ${index}.`);
    return file;
  }

  /**
   * The batch as its report shows it: once it is finished, with its processor's combined
   * analysis, made first if it is missing (it is normally ready moments after the end).
   */
  private async reportedBatch(id: string): Promise<Batch> {
    const batch = await this.batch(id);
    if (!this.aggregator || batch.finishedAt === null || batch.aggregate !== null) return batch;
    await this.aggregator.ensure(id);
    return this.batch(id);
  }

  private async cancelNow(id: string, index: number | null): Promise<Batch> {
    const { running } = await this.store.cancel(id, index, this.now());
    if (running.length > 0) this.queue.abort(id, running);
    this.queue.forget(id, index === null ? null : [index]);
    return this.batch(id);
  }

  /**
   * Deletes the batch, its inputs and its outputs, cancelling what runs. The files go first:
   * deleting is how space is freed on a full disk, and the database may need some of that
   * space to write the cancel and the delete (SQLite appends to its WAL even to delete). A
   * run stopped meanwhile may leave a folder behind: the second pass removes it.
   */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.access.authorize(principal, id, 'write');
    await this.storage.delete(id);
    await this.space?.check().catch(() => undefined);
    const deleteRows = async (): Promise<void> => {
      await this.cancelNow(id, null);
      await this.store.deleteBatch(id);
    };
    try {
      // Once more with the space held back for the database, if its files were not enough.
      await deleteRows().catch(async (error: unknown) => {
        if (!isNoSpace(error) || !this.space) throw error;
        await this.space.releaseReserve();
        await deleteRows();
      });
    } catch (error) {
      if (!isNoSpace(error)) throw error;
      throw new AppError(
        'STORAGE_FULL',
        "The batch's files were deleted, but the disk is still too full to update the database; free some space and delete it again.",
        { cause: error },
      );
    }
    await this.storage.delete(id);
  }

  /** Deletes finished batches past the retention period. Returns how many. */
  async sweepExpired(): Promise<number> {
    const before = this.now() - this.retentionDays * 86_400_000;
    let deleted = 0;
    for (;;) {
      const ids = await this.store.listFinishedBefore(before, 100);
      for (const id of ids) {
        // Files first, as in `delete`: on a full disk the rows need the space they free. A
        // crash between the two leaves the expired rows, which the next sweep deletes.
        await this.storage.delete(id);
        failpoint('retention.between-deletes');
        await this.store.deleteBatch(id);
      }
      deleted += ids.length;
      if (ids.length < 100) return deleted;
    }
  }

  /**
   * Deletes the batches still receiving whose upload lease ended before `before`: their
   * uploader died (a crash mid-upload). Rows first: a crash between the two leaves files
   * without a batch, which the orphan sweep deletes. Returns how many.
   */
  async sweepAbandonedUploads(before: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = await this.store.listAbandonedUploads(before, 100);
      for (const id of ids) {
        await this.store.deleteBatch(id);
        await this.storage.delete(id);
      }
      deleted += ids.length;
      if (ids.length < 100) return deleted;
    }
  }

  /**
   * Deletes what storage holds for batches that do not exist — uploads cut short by a crash —
   * when last written before `writtenBefore`. An upload being received, here or on another
   * node sharing the data folder, has no batch yet either, but is written to as it arrives.
   */
  async sweepOrphans(writtenBefore: number): Promise<number> {
    const prefixes = await this.storage.listPrefixes();
    const existing = await this.store.existingBatchIds(prefixes);
    let deleted = 0;
    for (const prefix of prefixes.filter((p) => !existing.has(p))) {
      // Gone meanwhile (null), or written to since: not ours to delete. An error reading it
      // (a network mount's hiccup) is thrown, never taken for "old".
      const lastWrite = await this.storage.lastWrite(prefix);
      if (lastWrite === null || lastWrite >= writtenBefore) continue;
      await this.storage.delete(prefix);
      deleted += 1;
    }
    return deleted;
  }
}

function parseSettingsField(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError('INVALID_SETTINGS', 'The `settings` field is not valid JSON: send a JSON object.');
  }
}

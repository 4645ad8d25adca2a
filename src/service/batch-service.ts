/**
 * The use cases — submit, read, cancel, retry, delete, results — and the only place where
 * the ports meet. HTTP and the CLI call this; it calls the store, storage and queue.
 */
import { AppError } from '../core/errors.js';
import { failpoint } from '../core/failpoints.js';
import { isNoSpace } from '../core/no-space.js';
import { isUnreachable, neverReached } from '../core/unreachable.js';
import { hashToken, newBatchId, newToken } from '../core/ids.js';
import type { Batch, BatchFile } from '../core/model.js';
import type {
  BlobStorage,
  JobQueue,
  ListBatchesQuery,
  ListFilesQuery,
  MetadataStore,
  Page,
  SpaceWatch,
} from '../core/ports.js';
import { createRegistry, type ProcessorRegistry } from '../processors/registry.js';
import type { ProcessorDescriptor } from '../processors/processor.js';
import { resolveSettings } from '../processors/settings.js';
import { sniffContentType } from '../processors/sniff.js';
import type { Metrics } from '../metrics.js';
import { planFiles } from './classify.js';
import { stageUpload, type UploadLimits, type UploadPart } from './upload.js';

export interface BatchServiceOptions {
  store: MetadataStore;
  storage: BlobStorage;
  queue: JobQueue;
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
}

export interface Submitted {
  batch: Batch;
  /** The batch's bearer token; shown once, only its hash is kept. */
  token: string;
}

export class BatchService {
  readonly store: MetadataStore;
  readonly storage: BlobStorage;
  private readonly queue: JobQueue;
  readonly limits: UploadLimits;
  private readonly retentionDays: number;
  private readonly metrics: Metrics | undefined;
  private readonly aggregator: BatchServiceOptions['aggregator'];
  private readonly registry: ProcessorRegistry;
  readonly space: SpaceWatch | undefined;
  readonly now: () => number;

  constructor(opts: BatchServiceOptions) {
    this.store = opts.store;
    this.storage = opts.storage;
    this.queue = opts.queue;
    this.limits = opts.limits;
    this.retentionDays = opts.retentionDays;
    this.metrics = opts.metrics;
    this.aggregator = opts.aggregator;
    this.now = opts.now ?? Date.now;
    this.registry = opts.processors ?? createRegistry();
    this.space = opts.space;
  }

  processors(): ProcessorDescriptor[] {
    return this.registry.list();
  }

  /**
   * Receives a batch. Durable when it resolves: files fsynced, rows committed. On any error
   * nothing of the upload is left.
   */
  async submit(parts: AsyncIterable<UploadPart>, owner: string | null = null): Promise<Submitted> {
    const id = newBatchId(this.now());
    const token = newToken();
    let committing = false;
    // Refused before a byte is written: an upload on a full disk could only fail half-way.
    await this.space?.assertRoom();
    try {
      const staged = await stageUpload(id, parts, this.storage, this.limits, (fields) => {
        // Fail fast on the common order (fields first) before any byte is stored.
        if (fields.has('processor')) this.resolve(fields);
      });
      if (staged.files.length === 0) {
        throw new AppError('NO_FILES', 'The request carried no file: send one or more `files` parts.');
      }
      const { descriptor, preset, settings } = this.resolve(staged.fields);
      const types = await Promise.all(staged.files.map((f) => sniffContentType(f.head)));
      const files = planFiles(staged.files, types, descriptor, settings);
      await this.storage.sync(id);
      committing = true;
      failpoint('upload.before-commit');
      const batch = await this.store.createBatch({
        id,
        processor: descriptor.name,
        preset,
        settings,
        tokenHash: hashToken(token),
        owner,
        createdAt: this.now(),
        files,
      });
      failpoint('upload.after-commit');
      this.queue.notify();
      this.metrics?.batchesSubmitted.inc({ processor: descriptor.name });
      this.metrics?.bytesReceived.inc(batch.inputBytes);
      return { batch, token };
    } catch (error) {
      // A connection lost under the commit leaves it unknown: the batch may exist. Its files
      // stay for the orphan sweep, which deletes them only if it does not.
      const maybeCommitted = committing && isUnreachable(error) && !neverReached(error);
      if (!maybeCommitted) await this.storage.delete(id);
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

  private resolve(fields: Map<string, string>): {
    descriptor: ProcessorDescriptor;
    preset: string;
    settings: Record<string, unknown>;
  } {
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
    return { descriptor, preset, settings };
  }

  async getBatch(id: string): Promise<Batch> {
    const batch = await this.store.getBatch(id);
    if (!batch) throw notFound(id);
    return batch;
  }

  listBatches(query: ListBatchesQuery): Promise<Page<Batch>> {
    return this.store.listBatches(query);
  }

  async listFiles(id: string, query: ListFilesQuery): Promise<Page<BatchFile>> {
    await this.getBatch(id);
    return this.store.listFiles(id, query);
  }

  async getFile(id: string, index: number): Promise<BatchFile> {
    const file = await this.store.getFile(id, index);
    if (!file) {
      await this.getBatch(id);
      throw new AppError('NOT_FOUND', `Batch ${id} has no file ${index}.`);
    }
    return file;
  }

  /**
   * The batch as its report shows it: once it is finished, with its processor's combined
   * analysis, made first if it is missing (it is normally ready moments after the end).
   */
  async getReportedBatch(id: string): Promise<Batch> {
    const batch = await this.getBatch(id);
    if (!this.aggregator || batch.finishedAt === null || batch.aggregate !== null) return batch;
    await this.aggregator.ensure(id);
    return this.getBatch(id);
  }

  async allFiles(id: string): Promise<BatchFile[]> {
    await this.getBatch(id);
    return this.store.allFiles(id);
  }

  /** Cancels the batch (`index` null) or one file; running files are stopped. Idempotent. */
  async cancel(id: string, index: number | null): Promise<Batch> {
    if (index === null) await this.getBatch(id);
    else await this.getFile(id, index);
    const { running } = await this.store.cancel(id, index, this.now());
    if (running.length > 0) this.queue.abort(id, running);
    this.queue.forget(id, index === null ? null : [index]);
    return this.getBatch(id);
  }

  /** Queues failed and cancelled files again (all of them, or the listed ones). */
  async retry(id: string, indices: number[] | null): Promise<Batch> {
    await this.getBatch(id);
    const queued = await this.store.retry(id, indices, this.now());
    failpoint('retry.after-commit');
    if (queued > 0) this.queue.notify();
    return this.getBatch(id);
  }

  /**
   * Deletes the batch, its inputs and its outputs, cancelling what runs. The files go first:
   * deleting is how space is freed on a full disk, and the database may need some of that
   * space to write the cancel and the delete (SQLite appends to its WAL even to delete). A
   * run stopped meanwhile may leave a folder behind: the second pass removes it.
   */
  async delete(id: string): Promise<void> {
    await this.getBatch(id);
    await this.storage.delete(id);
    await this.space?.check().catch(() => undefined);
    const deleteRows = async (): Promise<void> => {
      await this.cancel(id, null);
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

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no batch ${id}.`);
}

function parseSettingsField(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError('INVALID_SETTINGS', 'The `settings` field is not valid JSON: send a JSON object.');
  }
}

/**
 * Makes the combined analysis (`aggregate`) of a finished batch whose processor has one: as
 * soon as the batch ends (told by the store's committed events) and, should that have been
 * missed (a restart, a failed attempt), when its report is asked for. The work runs in the
 * sandboxed pool like a file; the server only writes the manifest and reads back the JSON.
 * One computation per batch at a time; a result made stale by a retry is not stored (the
 * store guards on the batch's `finishedAt`).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { BATCH_END_TYPES, type BatchEvent } from '../core/events.js';
import { isFinalBatch, type Batch } from '../core/model.js';
import type { BlobStorage, MetadataStore } from '../core/ports.js';
import type { AggregateFile } from '../processors/processor.js';
import type { ProcessorRegistry } from '../processors/registry.js';
import { aggregateManifest } from '../worker/aggregate-entry.js';
import type { ProcessPool } from '../worker/process-pool.js';
import { aggregateDataKey, aggregateInputKey, aggregateOutputKey } from './upload.js';

export interface AggregatorOptions {
  store: MetadataStore;
  storage: BlobStorage;
  pool: ProcessPool;
  processors: ProcessorRegistry;
  /** Where a failed aggregate is reported (the batch itself keeps its state). */
  onError: (error: unknown, batchId: string) => void;
}

export class Aggregator {
  private readonly running = new Map<string, Promise<void>>();
  /** Batches whose aggregate failed for the run that ended at this time: not tried again. */
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly opts: AggregatorOptions) {}

  /** Committed events: every batch that just ended gets its aggregate started. */
  onEvents(events: readonly BatchEvent[]): void {
    for (const event of events) {
      if (BATCH_END_TYPES.includes(event.type)) void this.ensure(event.batchId);
    }
  }

  /**
   * Resolves once the batch has its aggregate — made now if it needs one and has none — or
   * once making it failed (reported to `onError`, never thrown: a report without its
   * aggregate beats no report).
   */
  ensure(batchId: string): Promise<void> {
    const current = this.running.get(batchId);
    if (current) return current;
    const work = this.make(batchId)
      .catch((error: unknown) => this.opts.onError(error, batchId))
      .finally(() => this.running.delete(batchId));
    this.running.set(batchId, work);
    return work;
  }

  private async make(batchId: string): Promise<void> {
    const batch = await this.opts.store.getBatch(batchId);
    if (!batch || !this.needsAggregate(batch)) return;
    const finishedAt = batch.finishedAt as number;
    try {
      const aggregate = await this.compute(batch);
      await this.opts.store.setAggregate(batchId, aggregate, finishedAt);
      this.failedAt.delete(batchId);
    } catch (error) {
      this.failedAt.set(batchId, finishedAt);
      throw error;
    }
  }

  private needsAggregate(batch: Batch): boolean {
    if (!isFinalBatch(batch.status) || batch.finishedAt === null || batch.aggregate !== null) return false;
    if (this.failedAt.get(batch.id) === batch.finishedAt) return false;
    return this.opts.processors.get(batch.processor)?.aggregates === true;
  }

  private async compute(batch: Batch): Promise<unknown> {
    const { store, storage, pool } = this.opts;
    const files: AggregateFile[] = (await store.allFiles(batch.id))
      .filter((file) => file.status === 'succeeded')
      .map((file) => ({
        index: file.index,
        name: file.name,
        details: file.details,
        dataPath: storage.localPath(aggregateDataKey(batch.id, file.index)),
      }));
    const inputPath = await storage.prepareWrite(aggregateInputKey(batch.id));
    const outputPath = await storage.prepareWrite(aggregateOutputKey(batch.id));
    await writeFile(inputPath, aggregateManifest(files));
    try {
      // Run for the batch's owner, like its files: never in a worker another tenant's files used.
      const owner = (await this.opts.store.getBatchAccess(batch.id))?.owner ?? '';
      const result = await pool.run(
        {
          processor: batch.processor,
          entry: 'aggregate',
          input: { inputPath, outputPath, contentType: 'application/json', name: 'the batch' },
          settings: batch.settings,
        },
        { tenant: owner },
      );
      if (!result.ok) {
        throw new Error(
          `The ${batch.processor} aggregate failed: ${result.error.code} ${result.error.message}`,
        );
      }
      return JSON.parse(await readFile(outputPath, 'utf8')) as unknown;
    } finally {
      await Promise.all([rm(inputPath, { force: true }), rm(outputPath, { force: true })]);
    }
  }
}

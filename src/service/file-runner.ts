/**
 * Runs one leased file to its end: hands it to the sandboxed pool, keeps its lease alive,
 * records progress, and turns how the run ended into the file's next state (succeeded,
 * failed, retried after a back-off, cancelled, or back in the queue for a full disk).
 */
import { retryDelayMs } from '../core/backoff.js';
import { retryWhileUnreachable } from '../core/unreachable.js';
import { isNoSpace } from '../core/no-space.js';
import type {
  BlobStorage,
  FileOutcome,
  FileRunner,
  LeasedFile,
  MetadataStore,
  SpaceWatch,
} from '../core/ports.js';
import type { RunInput } from '../processors/processor.js';
import type { ProcessPool, TaskResult } from '../worker/process-pool.js';
import { storageFullFailure } from '../worker/outcomes.js';
import { createRegistry, type ProcessorRegistry } from '../processors/registry.js';
import type { Metrics } from '../metrics.js';
import { refusal } from './classify.js';
import { aggregateDataKey, inputKey, outputKey } from './upload.js';

export interface FileRunnerOptions {
  store: MetadataStore;
  storage: BlobStorage;
  pool: ProcessPool;
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Least time between two progress writes of one file. */
  progressIntervalMs?: number;
  metrics?: Metrics;
  /** The processors offered. @defaultValue the built-in ones, no operator commands */
  processors?: ProcessorRegistry;
  /**
   * The free space of the data folder: a run that meets a full disk goes back to the queue
   * without costing an attempt while it is full. Without it, such a run is a transient failure.
   */
  space?: SpaceWatch;
  onError: (error: unknown, leased: LeasedFile) => void;
}

export function createFileRunner(opts: FileRunnerOptions): FileRunner {
  const { store, storage, pool } = opts;
  const progressIntervalMs = opts.progressIntervalMs ?? 250;
  const processors = opts.processors ?? createRegistry();

  /** The run in a worker; a full disk met while making the output's folder is its result too. */
  async function runInPool(
    leased: LeasedFile,
    aggregates: boolean,
    signal: AbortSignal,
    onProgress: (pct: number) => void,
  ): Promise<TaskResult> {
    const { file } = leased;
    let input: RunInput;
    try {
      input = {
        inputPath: storage.localPath(inputKey(file.batchId, file.index)),
        outputPath: await storage.prepareWrite(outputKey(file.batchId, file.index)),
        contentType: file.contentType,
        name: file.name,
        ...(aggregates && {
          dataPath: await storage.prepareWrite(aggregateDataKey(file.batchId, file.index)),
        }),
      };
    } catch (error) {
      if (!isNoSpace(error)) throw error;
      return { ok: false, ...storageFullFailure(), durationMs: 0, cpuMs: 0 };
    }
    return pool.run(
      { processor: leased.processor, input, settings: leased.settings },
      { signal, onProgress, tenant: leased.batchOwner ?? '' },
    );
  }

  return async function runFile(leased, signal, handOff) {
    const { file, leaseOwner: owner } = leased;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let lost = false;
    const heartbeat = setInterval(
      () => {
        store
          .renewLease(file.batchId, file.index, owner, Date.now() + opts.leaseMs)
          .then((state) => {
            if (state === 'ok') return;
            lost = state === 'lost';
            stop.abort(state);
          })
          .catch((error: unknown) => opts.onError(error, leased));
      },
      Math.max(250, Math.floor(opts.leaseMs / 3)),
    );
    heartbeat.unref();

    // The first write waits one interval too: most files finish before and never need one.
    // 100 % is not written: completing the file sets it.
    let lastProgressAt = Date.now();
    const onProgress = (pct: number): void => {
      const now = Date.now();
      if (pct >= 100 || now - lastProgressAt < progressIntervalMs) return;
      lastProgressAt = now;
      store
        .setProgress(file.batchId, file.index, owner, pct, now)
        .catch((error: unknown) => opts.onError(error, leased));
    };

    try {
      const descriptor = processors.get(leased.processor);
      const refused = descriptor
        ? refusal(file.name, file.contentType, descriptor)
        : {
            code: 'UNKNOWN_PROCESSOR' as const,
            message: `The processor ${leased.processor} is not installed here.`,
          };
      let outcome: FileOutcome;
      if (refused) {
        outcome = { kind: 'failed', error: refused, durationMs: 0, cpuMs: 0, details: null };
      } else {
        const result = await runInPool(leased, descriptor?.aggregates ?? false, stop.signal, onProgress);
        outcome = await requeueIfFull(toOutcome(result, file.attempts, opts), opts.space);
      }
      // A run stopped because its lease was lost belongs to someone else now.
      if (lost) return null;
      // A run stopped by a shutdown is left to lease recovery at the next start.
      if (signal.aborted && signal.reason === 'shutdown') return null;
      // The result is in hand: a database away for a moment must not cost the run. Past the
      // lease another node may have taken the file, and the lease guard refuses this write. A
      // shutdown does not wait: lease recovery runs the file again.
      // The next file is claimed in the same commit, on the first try only: a try that failed
      // may have committed (its answer lost), and its claim would then be a lease no one runs.
      let tries = 0;
      const next = await retryWhileUnreachable(
        async () => {
          const claim = tries++ === 0 ? (handOff?.() ?? null) : null;
          if (claim === null) {
            await store.completeFile(file.batchId, file.index, owner, outcome, Date.now());
            return null;
          }
          const ended = await store.completeAndClaimNext(
            file.batchId,
            file.index,
            owner,
            outcome,
            Date.now(),
            claim,
          );
          return ended.next;
        },
        {
          until: Date.now() + opts.leaseMs,
          onFirstRetry: (error) => opts.onError(error, leased),
          stop: () => signal.aborted && signal.reason === 'shutdown',
          // The database on a full disk: the space held back for it, or space freed within the
          // lease, saves the run.
          alsoRetry: (error) => {
            if (!isNoSpace(error)) return false;
            opts.space?.releaseReserve().catch((e: unknown) => opts.onError(e, leased));
            return true;
          },
        },
      );
      record(opts.metrics, leased.processor, outcome);
      return next;
    } finally {
      clearInterval(heartbeat);
      signal.removeEventListener('abort', onAbort);
    }
  };
}

function toOutcome(
  result: TaskResult,
  attempts: number,
  opts: Pick<FileRunnerOptions, 'maxAttempts' | 'retryBaseMs'>,
): FileOutcome {
  if (result.ok) {
    return {
      kind: 'succeeded',
      outputBytes: result.outputBytes,
      outputType: result.outputType,
      durationMs: result.durationMs,
      cpuMs: result.cpuMs,
      details: result.details,
    };
  }
  if (result.error.code === 'CANCELLED') return { kind: 'cancelled' };
  if (result.transient && attempts < opts.maxAttempts) {
    return {
      kind: 'retrying',
      error: result.error,
      notBefore: Date.now() + retryDelayMs(attempts, opts.retryBaseMs),
    };
  }
  return {
    kind: 'failed',
    error: result.error,
    durationMs: result.durationMs,
    cpuMs: result.cpuMs,
    details: null,
  };
}

/**
 * A run that met a full disk while the disk is still full (below the free-space threshold)
 * goes back to the queue without costing an attempt — reading the space also pauses the
 * queue. A disk with room again (the output alone was too large for what was left) leaves
 * the outcome as it is: a retry that counts, and `STORAGE_FULL` once attempts are used.
 */
async function requeueIfFull(outcome: FileOutcome, space: SpaceWatch | undefined): Promise<FileOutcome> {
  if (outcome.kind !== 'retrying' && outcome.kind !== 'failed') return outcome;
  if (outcome.error.code !== 'STORAGE_FULL' || !space) return outcome;
  const reading = await space.check().catch(() => null);
  return reading?.full ? { kind: 'requeued', error: outcome.error } : outcome;
}

function record(metrics: Metrics | undefined, processor: string, outcome: FileOutcome): void {
  if (!metrics) return;
  const code = outcome.kind === 'failed' || outcome.kind === 'retrying' ? outcome.error.code : '';
  metrics.filesFinished.inc({ processor, status: outcome.kind, code });
  if (outcome.kind === 'succeeded' || outcome.kind === 'failed') {
    metrics.fileDuration.observe({ processor }, outcome.durationMs / 1000);
  }
}

/**
 * Prometheus metrics (`GET /metrics`): what a person running filemill wants on a dashboard —
 * files finished by outcome, how long files take, batches and bytes received — plus the
 * process's own figures. One registry per server, so tests can run several servers at once.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SpaceWatch } from './core/ports.js';
import { SANDBOX_LEVELS, type SandboxLevel } from './worker/types.js';

export interface Metrics {
  registry: Registry;
  filesFinished: Counter<'processor' | 'status' | 'code'>;
  fileDuration: Histogram<'processor'>;
  batchesSubmitted: Counter<'processor'>;
  bytesReceived: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'filemill_' });
  return {
    registry,
    filesFinished: new Counter({
      name: 'filemill_files_finished_total',
      help: 'Runs of files that ended, by processor, status and error code.',
      labelNames: ['processor', 'status', 'code'],
      registers: [registry],
    }),
    fileDuration: new Histogram({
      name: 'filemill_file_duration_seconds',
      help: 'Wall time of a file in its worker.',
      labelNames: ['processor'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    batchesSubmitted: new Counter({
      name: 'filemill_batches_submitted_total',
      help: 'Batches accepted.',
      labelNames: ['processor'],
      registers: [registry],
    }),
    bytesReceived: new Counter({
      name: 'filemill_upload_bytes_total',
      help: 'Bytes of files accepted.',
      registers: [registry],
    }),
  };
}

/** Adds `filemill_storage_free_bytes`, read when scraped: a dashboard can warn before uploads are refused. */
export function watchSpace(metrics: Metrics, space: SpaceWatch): void {
  new Gauge({
    name: 'filemill_storage_free_bytes',
    help: 'Free bytes on the filesystem of the data folder (uploads are refused below FILEMILL_MIN_FREE_BYTES).',
    registers: [metrics.registry],
    async collect() {
      // A reading that fails leaves the last value.
      const reading = await space.check().catch(() => null);
      if (reading) this.set(reading.freeBytes);
    },
  });
}

/**
 * Adds `filemill_sandbox_level{level}`: 1 for the level the workers run under, 0 for the
 * others, so an alert can fire when a node runs without bubblewrap.
 */
export function recordSandbox(metrics: Metrics, level: SandboxLevel): void {
  const gauge = new Gauge({
    name: 'filemill_sandbox_level',
    help: "The workers' sandbox: bwrap (bubblewrap), permission (Node's permission model only) or none; 1 for the one in use.",
    labelNames: ['level'],
    registers: [metrics.registry],
  });
  for (const each of SANDBOX_LEVELS) gauge.set({ level: each }, each === level ? 1 : 0);
}

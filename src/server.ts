/**
 * The composition root: builds the adapters the config asks for, the service and the HTTP
 * app, recovers what a previous run left, starts the workers and the periodic sweeps, and
 * knows how to stop all of it. `filemill serve`, the tests and the bench all start here.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { createApp } from './http/app.js';
import { isLoopbackHost } from './http/host-names.js';
import { AppError } from './core/errors.js';
import { throttleUnreachable } from './core/outage-log.js';
import type { ApiKeyStore, JobQueue, MetadataStore } from './core/ports.js';
import { shownUrl } from './core/urls.js';
import { createEventBus } from './events/index.js';
import { redisProblem } from './events/redis/reachable.js';
import { BullmqJobQueue } from './queue/bullmq/bullmq-job-queue.js';
import { LocalJobQueue } from './queue/local/local-job-queue.js';
import { Aggregator } from './service/aggregator.js';
import { BatchService } from './service/batch-service.js';
import { createFileRunner } from './service/file-runner.js';
import { LocalBlobStorage } from './storage/local/local-blob-storage.js';
import { StatfsSpaceWatch } from './storage/local/statfs-space-watch.js';
import { openMetadataStore } from './store/index.js';
import { ProcessPool } from './worker/process-pool.js';
import { chooseSandbox } from './worker/sandbox-level.js';
import { VERSION } from './version.js';
import { COMMANDS_ENV, commandsToEnv } from './processors/commands/config.js';
import { registryWithCommands } from './processors/registry.js';
import { createMetrics, recordSandbox, watchSpace, type Metrics } from './metrics.js';

/** The folder holding package.json (and node_modules), whether running from src/ or dist/. */
export const PROJECT_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
/**
 * An upload with no batch whose last byte is older than this was cut short (its node died):
 * swept. An upload being received is written to continuously, so it is never this old.
 */
const ORPHAN_AGE_MS = 60 * 60_000;

export interface Filemill {
  app: FastifyInstance;
  service: BatchService;
  /** The metadata store, for what only the composition root and tests reach behind the API. */
  store: MetadataStore & ApiKeyStore;
  pool: ProcessPool;
  metrics: Metrics;
  /** The address it listens on, e.g. `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Listen on config.host:config.port (default true). */
  listen?: boolean;
  /**
   * How long `close()` lets open requests finish before it cuts every connection (an idle
   * socket that never sent a request would otherwise hold it until the client drops it).
   */
  closeGraceMs?: number;
  /**
   * When the worker processes start (an API-only node, concurrency 0, has none either way).
   * `filemill serve` and the engine of `filemill submit` use `starting`:
   * - `on-demand` (default, what tests use unless they say otherwise): each when a file
   *   first needs its slot;
   * - `ready`: with the server, ahead of the first file, and replaced ahead of need from then
   *   on; it listens meanwhile, `/readyz` saying not ready, and `startFilemill` resolves once
   *   each has started or failed to;
   * - `starting`: as `ready`, but `startFilemill` does not wait for them.
   */
  workers?: 'ready' | 'starting' | 'on-demand';
  /**
   * Hold part of the free-space threshold in a reserve file, for the database to write to
   * when the disk fills (see StatfsSpaceWatch). The engine inside `filemill submit`, whose
   * data folder lives for one command, holds none: writing it would cost the command more
   * than the rest of its start.
   * @defaultValue true
   */
  reserveSpace?: boolean;
  /**
   * The REST API only, no web UI (see `AppOptions.restOnly`): for the engine inside
   * `filemill submit`, whose one client is that command.
   * @defaultValue false
   */
  restOnly?: boolean;
}

/**
 * The configured store, migrated (or, with `migrate: false`, only reached).
 * @throws AppError NOT_READY, in one line, when the database cannot be reached or migrated.
 */
export async function openReadyStore(
  config: Config,
  migrate = config.migrate,
): Promise<MetadataStore & ApiKeyStore> {
  await mkdir(config.dataDir, { recursive: true });
  const store = await openMetadataStore({
    databaseUrl: config.databaseUrl || undefined,
    dataDir: config.dataDir,
  });
  await ready(`the database (${describeDatabase(config)})`, () =>
    migrate ? store.migrate() : store.ping(),
  ).catch(async (error: unknown) => {
    await store.close().catch(() => undefined);
    throw error;
  });
  return store;
}

/** The database as the log and messages name it, without a password. */
export function describeDatabase(config: Config): string {
  return shownUrl(config.databaseUrl) || 'SQLite in the data folder';
}

export async function startFilemill(config: Config, opts: StartOptions = {}): Promise<Filemill> {
  // Beside the blobs, so that a file is linked into a worker's workspace, not copied.
  const workspaceRoot = join(config.dataDir, 'sandbox');
  // The sandbox probe is a process of its own (bwrap and Node, ~0.1 s): it runs while Redis
  // is reached and the store opens. Its outcome is kept as a value so that a rejection waits
  // for its turn below instead of going unhandled.
  const probe = chooseSandbox(config.sandbox, workspaceRoot).then(
    (choice) => ({ choice }),
    (error: unknown) => ({ error }),
  );
  const { store, openToAll } = await openServices(config, opts.listen !== false).catch(
    async (error: unknown) => {
      // Not before the probe has removed its process and workspace.
      await probe;
      throw error;
    },
  );
  const storage = new LocalBlobStorage(join(config.dataDir, 'blobs'));
  await storage.init();

  const probed = await probe;
  if ('error' in probed) {
    await store.close().catch(() => undefined);
    throw probed.error;
  }
  const sandbox = probed.choice;
  const commandsSandbox = commandsInSandbox(config);
  const pool = new ProcessPool({
    size: Math.max(1, config.concurrency),
    timeoutMs: config.fileTimeoutMs,
    memoryMb: config.fileMemoryMb,
    maxTasksPerWorker: config.workerMaxFiles,
    limits: { maxInputPixels: config.maxInputPixels, maxOutputBytes: config.maxOutputBytes },
    allowRead: [PROJECT_ROOT, config.dataDir],
    allowWrite: [join(config.dataDir, 'blobs')],
    permissionModel: sandbox.level !== 'none',
    bwrap: sandbox.level === 'bwrap' ? { workspaceRoot, ...commandsSandbox } : null,
    ...commandsInWorkers(config),
  });
  // The workers start now, while the rest starts up; a step below that fails stops them.
  const warm = config.concurrency > 0 && (opts.workers === 'ready' || opts.workers === 'starting');
  const warmedUp = warm ? pool.warm() : Promise.resolve();
  const stopWorkers = async (error: unknown): Promise<never> => {
    await pool.close();
    throw error;
  };

  const processors = registryWithCommands(config.commands);
  const metrics = createMetrics();
  recordSandbox(metrics, pool.sandbox.level);
  let app: FastifyInstance | null = null;
  // While Redis or the database is away every connection reports every reconnect: the log
  // gets the first report of each address, then one every 30 s.
  const reportUnreachable = (error: unknown, leftOut: number): void => {
    app?.log.warn({ err: error, leftOut }, 'a service is not reachable; retrying');
  };
  const logError = throttleUnreachable({
    unreachable: reportUnreachable,
    other: (error) => app?.log.error({ err: error }, 'background task failed'),
  });
  const bus = createEventBus({
    redisUrl: config.redisUrl,
    prefix: `${config.redisPrefix}:`,
    onError: throttleUnreachable({
      unreachable: reportUnreachable,
      other: (error) => app?.log.warn({ err: error }, 'live events over Redis'),
    }),
  });
  const aggregator = new Aggregator({
    store,
    storage,
    pool,
    processors,
    onError: (error, batchId) => app?.log.warn({ err: error, batchId }, 'the batch aggregate failed'),
  });
  store.onEvents((events) => {
    bus.publish(events);
    aggregator.onEvents(events);
  });
  const queue: JobQueue =
    config.queue === 'bullmq'
      ? new BullmqJobQueue(store, {
          redisUrl: config.redisUrl,
          prefix: config.redisPrefix,
          concurrency: config.concurrency,
          node: config.nodeId,
          leaseMs: config.leaseMs,
          maxAttempts: config.maxAttempts,
          onError: logError,
          onJobLost: (jobId) =>
            app?.log.warn(
              { jobId },
              'the BullMQ job of a running file is gone from Redis or its lock taken (Redis restarted without its data, or this node stalled past its lock); the run goes on under its lease in the database',
            ),
        })
      : new LocalJobQueue(store, {
          concurrency: config.concurrency,
          leaseMs: config.leaseMs,
          maxAttempts: config.maxAttempts,
          node: config.nodeId,
          onError: logError,
        });
  const space = watchDiskSpace(config, opts.reserveSpace ?? true, queue, () => app, logError);
  watchSpace(metrics, space);
  const service = new BatchService({
    store,
    keys: store,
    storage,
    queue,
    bus,
    space,
    limits: {
      maxFiles: config.maxFilesPerBatch,
      maxFileBytes: config.maxFileBytes,
      maxBatchBytes: config.maxBatchBytes,
    },
    retentionDays: config.retentionDays,
    metrics,
    aggregator,
    processors,
    onError: logError,
    metricsToken: config.metricsToken,
    sandbox: { level: pool.sandbox.level, networkProcessors: commandsSandbox.networkProcessors },
    // An upload renews its lease as a running file does: the same time tells both dead.
    uploadLeaseMs: config.leaseMs,
  });
  app = await createApp({
    service,
    metrics,
    streamLimits: { maxPerBatch: config.maxStreamsPerBatch, maxPerIp: config.maxStreamsPerIp },
    version: VERSION,
    webRoot: opts.restOnly ? null : join(PROJECT_ROOT, 'dist', 'web'),
    restOnly: opts.restOnly ?? false,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    clients: {
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      minUploadBytesPerSecond: config.minUploadBytesPerSecond,
      uploadRateWindowMs: config.uploadRateWindowMs,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
    },
    rateLimits: {
      requestsPerMinute: config.rateLimit,
      submitsPerMinute: config.submitRateLimit,
      authFailuresPerMinute: config.authFailureLimit,
    },
    browser: { host: config.host, allowedHosts: config.allowedHosts, corsOrigins: config.corsOrigins },
  }).catch(stopWorkers);
  if (warm) {
    app.decorate('workersReadiness', () => {
      const { size, ready, failed, warming } = pool.warmth();
      return { size, ready, failed, starting: warming };
    });
  }

  // Embedded SQLite has one server: every lease in it, every batch still receiving and every
  // upload without a batch belong to a previous, dead run. Other nodes sharing PostgreSQL and the data folder may
  // be running files and receiving uploads now: only what they have left alone long is theirs
  // no more.
  // Which leases and uploads count as dead is a comparison, not a clock: what recovery
  // records happens now.
  const onlyServer = store.kind === 'sqlite';
  const now = Date.now();
  const recovered = await store
    .recoverExpiredLeases({
      expiredBefore: onlyServer ? Number.MAX_SAFE_INTEGER : now,
      now,
      maxAttempts: config.maxAttempts,
    })
    .catch(stopWorkers);
  const abandoned = await service
    .sweepAbandonedUploads(onlyServer ? Number.MAX_SAFE_INTEGER : now)
    .catch(stopWorkers);
  const orphans = await service
    .sweepOrphans(onlyServer ? Number.MAX_SAFE_INTEGER : now - ORPHAN_AGE_MS)
    .catch(stopWorkers);
  const expired = await service.sweepExpired().catch(stopWorkers);
  app.log.info({ recovered, abandoned, orphans, expired }, 'recovered from the previous run');
  app.log.info(`sandbox: ${pool.sandbox.summary}`);
  if (sandbox.fallbackReason !== null) {
    app.log.warn(`sandbox: bubblewrap is not used (${sandbox.fallbackReason})`);
  }
  if (openToAll) {
    app.log.warn(
      `FILEMILL_AUTH=none and no API key: anyone who can reach this server (listening on ${config.host}) has full access to every batch (create a key with \`filemill keys create --name NAME\`)`,
    );
  }
  if (config.commands.length > 0) {
    app.log.info({ commands: config.commands.map((c) => `${c.name}: ${c.binary}`) }, 'operator commands');
  }

  const sweep = setInterval(() => {
    service.sweepExpired().catch(logError);
    // Left by an API node that died mid-upload (uploads here renew their lease meanwhile).
    service.sweepAbandonedUploads(Date.now()).catch(logError);
    service.sweepOrphans(Date.now() - ORPHAN_AGE_MS).catch(logError);
  }, config.sweepIntervalMs);
  sweep.unref();
  // A server started on a full disk starts with its queue paused.
  await space.start().catch(logError);
  queue.start(
    createFileRunner({
      store,
      storage,
      pool,
      leaseMs: config.leaseMs,
      maxAttempts: config.maxAttempts,
      retryBaseMs: config.retryBaseMs,
      metrics,
      processors,
      space,
      onError: logError,
    }),
  );

  let url = '';
  if (opts.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port }).catch(stopWorkers);
  }
  if (warm) {
    void warmedUp.then(() => {
      const { ready, size } = pool.warmth();
      app?.log[ready === size ? 'info' : 'warn']({ ready, size }, 'worker processes started');
    });
  }
  if (opts.workers === 'ready') await warmedUp;
  let closing: Promise<void> | null = null;
  return {
    app,
    service,
    store,
    pool,
    metrics,
    url,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        space.stop();
        const cut = setTimeout(() => app.server.closeAllConnections(), opts.closeGraceMs ?? 10_000);
        await app.close();
        clearTimeout(cut);
        await queue.stop();
        await pool.close();
        await bus.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * Redis (when configured) reached, the store opened and migrated, and whether the server may
 * listen as configured (see `checkBind`).
 * @throws AppError NOT_READY or FORBIDDEN, the store closed again.
 */
async function openServices(
  config: Config,
  listens: boolean,
): Promise<{ store: MetadataStore & ApiKeyStore; openToAll: boolean }> {
  if (config.redisUrl !== '') {
    const problem = await redisProblem(config.redisUrl);
    if (problem !== null) {
      throw new AppError('NOT_READY', `Redis at ${shownUrl(config.redisUrl)} cannot be reached: ${problem}`);
    }
  }
  const store = await openReadyStore(config);
  const openToAll = await checkBind(config, store, listens).catch(async (error: unknown) => {
    await store.close().catch(() => undefined);
    throw error;
  });
  return { store, openToAll };
}

/**
 * Whether the server may listen where it is configured to: loopback always; any other address
 * only once an API key exists, or with `FILEMILL_AUTH=none`, then open to all (true: say so).
 * @throws AppError FORBIDDEN, in one line that says how to create a key.
 */
async function checkBind(config: Config, keys: ApiKeyStore, listens: boolean): Promise<boolean> {
  if (!listens || isLoopbackHost(config.host) || (await keys.hasApiKeys())) return false;
  if (config.auth === 'none') return true;
  throw new AppError(
    'FORBIDDEN',
    `Refusing to listen on ${config.host} with no API key: anyone who can reach it would have full access. Create a key with \`filemill keys create --name NAME\` (same data folder or database), or set FILEMILL_AUTH=none to serve it open on purpose.`,
  );
}

/** What operator commands need of the sandbox: their binaries' folders, and the network if they ask. */
function commandsInSandbox(config: Config): { readOnly: string[]; networkProcessors: string[] } {
  return {
    readOnly: config.commands
      .map((command) => dirname(command.binary))
      .filter((dir) => !dir.startsWith('/usr/')),
    networkProcessors: config.commands.filter((command) => command.network === true).map((c) => c.name),
  };
}

/**
 * What the workers need for operator commands, when there are any: the validated specs (the
 * children may not read the file, and must run exactly what was checked), a PATH for the
 * commands' own helpers, and the right to start processes. Without commands, none of it.
 */
function commandsInWorkers(config: Config): { allowChildProcess?: boolean; env?: Record<string, string> } {
  if (config.commands.length === 0) return {};
  return {
    allowChildProcess: true,
    env: { [COMMANDS_ENV]: commandsToEnv(config.commands), PATH: process.env.PATH ?? '/usr/bin:/bin' },
  };
}

/**
 * The free space of the data folder, read every 2 s: below `minFreeBytes` the queue takes no
 * new file (running ones go on), until space is back. Each change is logged once. A part of
 * the threshold is held as a reserve file, released when the disk is full, so the database
 * has room to put files back in the queue and to delete batches.
 */
function watchDiskSpace(
  config: Config,
  reserveSpace: boolean,
  queue: JobQueue,
  app: () => FastifyInstance | null,
  onError: (error: unknown) => void,
): StatfsSpaceWatch {
  return new StatfsSpaceWatch({
    path: config.dataDir,
    minFreeBytes: config.minFreeBytes,
    // A quarter of the threshold, at most 16 MiB: thousands of WAL pages, ample for putting
    // runs back in the queue and deleting batches.
    reserve: {
      path: join(config.dataDir, 'space-reserve'),
      bytes: reserveSpace ? Math.min(Math.floor(config.minFreeBytes / 4), 16 * 1024 * 1024) : 0,
    },
    onFull: ({ freeBytes }) => {
      queue.pause();
      app()?.log.warn(
        { freeBytes, minFreeBytes: config.minFreeBytes },
        'the data folder is nearly full: uploads are refused and no new file starts until space is freed',
      );
    },
    onRoom: ({ freeBytes }) => {
      app()?.log.info({ freeBytes }, 'the data folder has space again: taking files and uploads');
      queue.resume();
    },
    onError,
  });
}

/** Runs a start-up step that needs a service; its failure stops the start-up with one line. */
async function ready(what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new AppError('NOT_READY', `${what} cannot be reached or prepared: ${reason}`, { cause: error });
  }
}

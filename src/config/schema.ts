/**
 * The configuration schema: every setting, its type, bounds, default and the environment
 * variable that sets it. One place, so `--help`, validation and the README agree.
 */
import Type, { type Static } from 'typebox';
import { availableParallelism } from 'node:os';
import type { CommandSpec } from '../processors/commands/config.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const ConfigSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the HTTP server binds to.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'HTTP port (0: any free port).',
    }),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Folder for the database and files.',
    }),
    databaseUrl: Type.String({
      default: '',
      description: 'postgres://… for PostgreSQL; empty for SQLite in the data folder.',
    }),
    migrate: Type.Boolean({
      default: true,
      description:
        'Apply database migrations at start (safe when several nodes start at once); false: only check.',
    }),
    workerPort: Type.Integer({
      minimum: 0,
      maximum: 65_535,
      default: 0,
      description: 'A worker node answers /healthz and /metrics on this port (0: no listener).',
    }),
    queue: Type.Enum(['local', 'bullmq'], {
      default: 'local',
      description: 'local: the database is the queue (one server); bullmq: BullMQ on Redis (several nodes).',
    }),
    redisUrl: Type.String({
      default: '',
      description: 'redis://… for BullMQ and for live events between nodes; empty: one process.',
    }),
    redisPrefix: Type.String({
      pattern: '^[A-Za-z0-9_.-]+$',
      default: 'filemill',
      description: 'Prefix of every Redis key and channel, so deployments can share a Redis.',
    }),
    concurrency: Type.Integer({
      minimum: 0,
      maximum: 256,
      default: availableParallelism(),
      description: 'Worker processes, one file each (default: the number of cores).',
    }),
    maxFilesPerBatch: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 100,
      description: 'Files per batch.',
    }),
    maxFileBytes: Type.Integer({ minimum: 1, default: 50 * MiB, description: 'Bytes per file.' }),
    maxBatchBytes: Type.Integer({ minimum: 1, default: 1 * GiB, description: 'Bytes per batch.' }),
    fileTimeoutMs: Type.Integer({ minimum: 100, default: 120_000, description: 'Wall time per file.' }),
    fileMemoryMb: Type.Integer({
      minimum: 64,
      default: 1024,
      description: 'Memory (RSS) per worker process.',
    }),
    maxInputPixels: Type.Integer({ minimum: 1, default: 100_000_000, description: 'Pixels per image.' }),
    maxOutputBytes: Type.Integer({ minimum: 1, default: 1 * GiB, description: 'Bytes per output file.' }),
    minFreeBytes: Type.Integer({
      minimum: 0,
      default: 1 * GiB,
      description:
        'Free space the data folder keeps: below it uploads get 507 STORAGE_FULL and the queue takes no file (0: no check ahead).',
    }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 3,
      description: 'Runs of a file after crashes.',
    }),
    retryBaseMs: Type.Integer({
      minimum: 0,
      default: 1000,
      description: 'First retry delay; doubles each time.',
    }),
    leaseMs: Type.Integer({ minimum: 1000, default: 30_000, description: 'Lease of a running file.' }),
    workerMaxFiles: Type.Integer({
      minimum: 1,
      default: 500,
      description: 'Files before a worker is recycled.',
    }),
    sandbox: Type.Enum(['auto', 'bwrap', 'permission', 'none'], {
      default: 'auto',
      description:
        "Workers' sandbox: bwrap (bubblewrap and Node's permission model), permission (Node's only), none; auto: bwrap when it works here.",
    }),
    retentionDays: Type.Number({ minimum: 0, default: 7, description: 'Days finished batches are kept.' }),
    sweepIntervalMs: Type.Integer({
      minimum: 1000,
      default: 3_600_000,
      description: 'How often the sweep runs.',
    }),
    maxStreamsPerBatch: Type.Integer({
      minimum: 1,
      default: 50,
      description: 'Open event streams (SSE, WebSocket) per batch.',
    }),
    maxStreamsPerIp: Type.Integer({
      minimum: 1,
      default: 20,
      description: 'Open event streams per client address.',
    }),
    headersTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description: 'Time a client has to send its request headers.',
    }),
    requestTimeoutMs: Type.Integer({
      minimum: 0,
      default: 3_600_000,
      description:
        'Time a client has to send a whole request, body included (0: no limit; the minimum upload rate still applies).',
    }),
    keepAliveTimeoutMs: Type.Integer({
      minimum: 1000,
      default: 72_000,
      description: 'Time an idle keep-alive connection is kept open.',
    }),
    minUploadBytesPerSecond: Type.Integer({
      minimum: 0,
      default: 1024,
      description:
        'A request body arriving slower than this, on average over the rate window, is cut (0: no minimum).',
    }),
    uploadRateWindowMs: Type.Integer({
      minimum: 100,
      default: 60_000,
      description: 'The window over which the upload rate is measured.',
    }),
    maxConnectionsPerIp: Type.Integer({
      minimum: 0,
      default: 64,
      description: 'Open connections per client address; more are refused (0: no cap).',
    }),
    rateLimit: Type.Integer({
      minimum: 0,
      default: 6000,
      description: 'Requests to /api per minute per API key, or per address without one (0: no limit).',
    }),
    submitRateLimit: Type.Integer({
      minimum: 0,
      default: 600,
      description: 'Uploads per minute per API key, or per address without one (0: no limit).',
    }),
    authFailureLimit: Type.Integer({
      minimum: 0,
      default: 30,
      description:
        'Failed authentications per minute per address; past it they are answered 429 (0: no limit).',
    }),
    metricsToken: Type.String({
      default: '',
      description: 'A bearer secret that reads /metrics (a scraper), besides an admin API key (empty: none).',
    }),
    auth: Type.Enum(['keys', 'none'], {
      default: 'keys',
      description:
        'keys: listening on a non-loopback address needs an API key to exist; none: allow it with no key (open to anyone who reaches the port).',
    }),
    allowedHosts: Type.Array(Type.String(), {
      default: [],
      description:
        'Host names, besides the configured host, loopback names and IP addresses, that the Host header may name (comma-separated; * : any).',
    }),
    corsOrigins: Type.Array(Type.String(), {
      default: [],
      description:
        'Origins (https://app.example.com) given CORS on /api and allowed to change state (comma-separated).',
    }),
    nodeId: Type.String({ default: '', description: 'Name of this node (default: hostname-pid).' }),
    commandsFile: Type.String({
      default: '',
      description: 'JSON file of operator commands, each offered as a processor (empty: none).',
    }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Log level.',
    }),
  },
  { additionalProperties: false },
);

/** The settings, and the operator commands read (and checked) from `commandsFile`. */
export type Config = Readonly<Static<typeof ConfigSchema> & { commands: readonly CommandSpec[] }>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

/** The environment variable of each setting. */
export const ENV_NAMES: Record<ConfigKey, string> = {
  host: 'FILEMILL_HOST',
  port: 'FILEMILL_PORT',
  dataDir: 'FILEMILL_DATA_DIR',
  databaseUrl: 'FILEMILL_DATABASE_URL',
  migrate: 'FILEMILL_MIGRATE',
  workerPort: 'FILEMILL_WORKER_PORT',
  queue: 'FILEMILL_QUEUE',
  redisUrl: 'FILEMILL_REDIS_URL',
  redisPrefix: 'FILEMILL_REDIS_PREFIX',
  concurrency: 'FILEMILL_CONCURRENCY',
  maxFilesPerBatch: 'FILEMILL_MAX_FILES',
  maxFileBytes: 'FILEMILL_MAX_FILE_BYTES',
  maxBatchBytes: 'FILEMILL_MAX_BATCH_BYTES',
  fileTimeoutMs: 'FILEMILL_FILE_TIMEOUT_MS',
  fileMemoryMb: 'FILEMILL_FILE_MEMORY_MB',
  maxInputPixels: 'FILEMILL_MAX_PIXELS',
  maxOutputBytes: 'FILEMILL_MAX_OUTPUT_BYTES',
  minFreeBytes: 'FILEMILL_MIN_FREE_BYTES',
  maxAttempts: 'FILEMILL_MAX_ATTEMPTS',
  retryBaseMs: 'FILEMILL_RETRY_BASE_MS',
  leaseMs: 'FILEMILL_LEASE_MS',
  workerMaxFiles: 'FILEMILL_WORKER_MAX_FILES',
  sandbox: 'FILEMILL_SANDBOX',
  retentionDays: 'FILEMILL_RETENTION_DAYS',
  sweepIntervalMs: 'FILEMILL_SWEEP_INTERVAL_MS',
  maxStreamsPerBatch: 'FILEMILL_MAX_STREAMS_PER_BATCH',
  maxStreamsPerIp: 'FILEMILL_MAX_STREAMS_PER_IP',
  headersTimeoutMs: 'FILEMILL_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'FILEMILL_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'FILEMILL_KEEP_ALIVE_TIMEOUT_MS',
  minUploadBytesPerSecond: 'FILEMILL_MIN_UPLOAD_RATE',
  uploadRateWindowMs: 'FILEMILL_UPLOAD_RATE_WINDOW_MS',
  maxConnectionsPerIp: 'FILEMILL_MAX_CONNECTIONS_PER_IP',
  rateLimit: 'FILEMILL_RATE_LIMIT',
  submitRateLimit: 'FILEMILL_SUBMIT_RATE_LIMIT',
  authFailureLimit: 'FILEMILL_AUTH_FAILURE_LIMIT',
  metricsToken: 'FILEMILL_METRICS_TOKEN',
  auth: 'FILEMILL_AUTH',
  allowedHosts: 'FILEMILL_ALLOWED_HOSTS',
  corsOrigins: 'FILEMILL_CORS_ORIGINS',
  nodeId: 'FILEMILL_NODE_ID',
  commandsFile: 'FILEMILL_COMMANDS_FILE',
  logLevel: 'FILEMILL_LOG_LEVEL',
};

/** Settings given in bytes also accept units: `50MiB`, `1GiB`, `500kB`. */
export const BYTE_SETTINGS: ReadonlySet<ConfigKey> = new Set([
  'maxFileBytes',
  'maxBatchBytes',
  'maxOutputBytes',
  'minFreeBytes',
  'minUploadBytesPerSecond',
]);

/** Settings given as comma-separated lists: `a.example.com, b.example.com`. */
export const LIST_SETTINGS: ReadonlySet<ConfigKey> = new Set(['allowedHosts', 'corsOrigins']);

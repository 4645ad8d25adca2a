/**
 * `filemill serve`: the HTTP API with its workers; `filemill worker`: a worker node (no HTTP
 * API) taking files from the shared queue. Both run until SIGINT/SIGTERM. `filemill migrate`
 * applies the database's migrations and exits.
 */
import { Command, Option } from 'commander';
import { AppError } from '../core/errors.js';
import { CliError } from './api-client.js';
import { cliConfig } from './config.js';

interface Flags {
  port?: string;
  host?: string;
  dataDir?: string;
  concurrency?: string;
}

export function serveCommand(): Command {
  return withEngineOptions(new Command('serve'))
    .description('Run the server (API and workers). Settings come from FILEMILL_* variables; flags win.')
    .addOption(new Option('--port <n>', 'HTTP port (FILEMILL_PORT, default 8080)'))
    .addOption(new Option('--host <addr>', 'address to bind (FILEMILL_HOST, default 127.0.0.1)'))
    .action(async (flags: Flags) => {
      await runUntilStopped(flags, true);
    });
}

export function workerCommand(): Command {
  return withEngineOptions(new Command('worker'))
    .description(
      'Run a worker node: no HTTP API; takes files from the shared queue (FILEMILL_QUEUE=bullmq, ' +
        'FILEMILL_REDIS_URL, FILEMILL_DATABASE_URL, a data folder shared with the API nodes).',
    )
    .action(async (flags: Flags) => {
      await runUntilStopped(flags, false);
    });
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'Apply the database migrations (FILEMILL_DATABASE_URL, or SQLite in the data folder) and exit',
    )
    .addOption(new Option('--data-dir <path>', 'data folder (FILEMILL_DATA_DIR, default ./data)'))
    .action(async (flags: Flags) => {
      const config = await cliConfig({ dataDir: flags.dataDir });
      const { describeDatabase, openReadyStore } = await import('../server.js');
      const store = await openReadyStore(config, true).catch(oneLine);
      await store.close();
      process.stderr.write(`filemill: ${describeDatabase(config)} is up to date\n`);
    });
}

/** A service that is not there (database, Redis): one line, not a stack trace. */
function oneLine(error: unknown): never {
  if (error instanceof AppError) throw new CliError(`${error.code}: ${error.message}`);
  throw error;
}

function withEngineOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <path>', 'data folder (FILEMILL_DATA_DIR, default ./data)'))
    .addOption(
      new Option('--concurrency <n>', 'worker processes (FILEMILL_CONCURRENCY, default: cores; 0: API only)'),
    );
}

async function runUntilStopped(flags: Flags, api: boolean): Promise<void> {
  const config = await cliConfig({
    port: flags.port,
    host: flags.host,
    dataDir: flags.dataDir,
    concurrency: flags.concurrency,
  });
  // Loaded on demand: the other commands start without the server's modules.
  const { startFilemill } = await import('../server.js');
  // The workers start with the server: the first batch does not wait for them, and /readyz
  // says NOT_READY until they have.
  const filemill = await startFilemill(config, { listen: api, workers: 'starting' }).catch(oneLine);
  const { startWorkerListener } = await import('../http/worker-listener.js');
  const listener =
    !api && config.workerPort > 0
      ? await startWorkerListener({
          host: config.host,
          port: config.workerPort,
          node: config.nodeId,
          metrics: filemill.metrics,
        })
      : null;
  // Before the line that says it listens: whoever waits for that line may signal at once.
  const stop = (): void => {
    process.stderr.write('filemill: stopping…\n');
    Promise.all([listener?.close(), filemill.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(
    api
      ? `filemill ${filemill.url} — data in ${config.dataDir}, sandbox ${filemill.pool.sandbox.level}\n`
      : `filemill worker ${config.nodeId} — ${config.concurrency} worker process(es), queue ${config.queue}, data in ${config.dataDir}, sandbox ${filemill.pool.sandbox.level}${listener ? `, health and metrics on ${listener.url}` : ''}\n`,
  );
}

/**
 * `filemill serve`: the HTTP API with its workers, until SIGINT/SIGTERM.
 */
import { Command, Option } from 'commander';
import { cliConfig } from './config.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the server (API and workers). Settings come from FILEMILL_* variables; flags win.')
    .addOption(new Option('--port <n>', 'HTTP port (FILEMILL_PORT, default 8080)'))
    .addOption(new Option('--host <addr>', 'address to bind (FILEMILL_HOST, default 127.0.0.1)'))
    .addOption(new Option('--data-dir <path>', 'data folder (FILEMILL_DATA_DIR, default ./data)'))
    .addOption(new Option('--concurrency <n>', 'worker processes (FILEMILL_CONCURRENCY, default: cores)'))
    .action(async (flags: { port?: string; host?: string; dataDir?: string; concurrency?: string }) => {
      const config = await cliConfig({
        port: flags.port,
        host: flags.host,
        dataDir: flags.dataDir,
        concurrency: flags.concurrency,
      });
      // Loaded on demand: the other commands start without the server's modules.
      const { startFilemill } = await import('../server.js');
      const filemill = await startFilemill(config);
      process.stderr.write(`filemill ${filemill.url} — data in ${config.dataDir}\n`);
      const stop = (): void => {
        process.stderr.write('filemill: stopping…\n');
        filemill.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

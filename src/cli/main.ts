/**
 * The `filemill` command line: one sub-command per file, wired here with commander.
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { CliError } from './api-client.js';
import { batchCommands } from './batch-commands.js';
import { keysCommand } from './keys.js';
import type { ProcessorDescription } from './processor-help.js';
import { processorsCommand } from './processors.js';
import { migrateCommand, serveCommand, workerCommand } from './serve.js';
import { watchStdout } from './stdout.js';
import { submitCommand } from './submit.js';

export async function main(argv: string[]): Promise<void> {
  watchStdout();
  const program = new Command()
    .name('filemill')
    .description(
      'Batch processing of files: a folder in, every file processed in sandboxed workers, a ZIP out.',
    )
    .version(VERSION)
    .showHelpAfterError();
  program.addCommand(submitCommand(asksForHelp(argv, 'submit') ? await builtInProcessors() : undefined));
  program.addCommand(processorsCommand());
  program.addCommand(serveCommand());
  program.addCommand(workerCommand());
  program.addCommand(migrateCommand());
  program.addCommand(keysCommand());
  for (const command of batchCommands()) program.addCommand(command);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`filemill: ${error.message}\n`);
    process.exitCode = error.exitCode;
  }
}

/** Whether `argv` asks for `command`'s help: `filemill <command> … --help` or `filemill help <command>`. */
function asksForHelp(argv: readonly string[], command: string): boolean {
  const args = argv.slice(2);
  const first = args.findIndex((arg) => !arg.startsWith('-'));
  if (args[first] === 'help') return args[first + 1] === command;
  return args[first] === command && args.some((arg) => arg === '--help' || arg === '-h');
}

/** The processors built into this filemill, loaded only when asked for. */
async function builtInProcessors(): Promise<ProcessorDescription[]> {
  const { createRegistry } = await import('../processors/registry.js');
  return createRegistry().list();
}

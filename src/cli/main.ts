/**
 * The `filemill` command line: one sub-command per file, wired here with commander.
 */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { serveCommand } from './serve.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('filemill')
    .description(
      'Batch processing of files: a folder in, every file processed in sandboxed workers, a ZIP out.',
    )
    .version(VERSION)
    .showHelpAfterError();
  program.addCommand(serveCommand());
  await program.parseAsync(argv);
}

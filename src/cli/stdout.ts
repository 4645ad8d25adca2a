/**
 * What a command does when the reader of its output has gone (`filemill … | head`: EPIPE on
 * stdout). By default it ends at once and quietly, as a pipe's writer does — a `status --watch`
 * would otherwise follow a batch for nobody. A command whose work outlives its output goes on
 * to its end instead: `submit`, whose results land in --out and whose exit code still tells.
 * Either way no stack trace.
 */
let goOn = false;

/** Called by a command whose work matters more than its output. */
export function goOnWhenStdoutCloses(): void {
  goOn = true;
}

/** Installs the handler; once, before any command writes. */
export function watchStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!goOn) process.exit(process.exitCode ?? 0);
  });
}

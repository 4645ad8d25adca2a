/**
 * Ctrl-C (SIGINT) and SIGTERM for a long command: the first one aborts `signal`, so the
 * command can stop cleanly (cancel what it started, remove temporary files); a second one
 * means "now": `onForce` runs (synchronous clean-up only) and the process exits 130.
 */
export interface Interruption {
  signal: AbortSignal;
  /** Removes the handlers; signals act as usual again. */
  dispose(): void;
}

export function handleInterrupts(onForce: () => void): Interruption {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (!controller.signal.aborted) {
      controller.abort(new Error('interrupted'));
      return;
    }
    onForce();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

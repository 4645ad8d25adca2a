/**
 * A child process of the benches' "limit" runs: runs the files its parent sends it, one at a
 * time, through a processor's own `run` — no server, no queue, no sandbox, no IPC per
 * progress step — and answers with the run's `details` (or its error).
 */
import { createRegistry } from '../src/processors/registry.js';
import type { ProcessorRun, RunInput } from '../src/processors/processor.js';

const ctx = {
  progress: () => {},
  signal: new AbortController().signal,
  limits: { maxInputPixels: 100_000_000, maxOutputBytes: 2 ** 30 },
};
const registry = createRegistry();
const runs = new Map<string, ProcessorRun>();

async function runOf(processor: string): Promise<ProcessorRun> {
  let run = runs.get(processor);
  if (!run) {
    const module = (await import(registry.get(processor)!.runModule.href)) as { run: ProcessorRun };
    run = module.run;
    runs.set(processor, run);
  }
  return run;
}

interface Task {
  processor: string;
  input: RunInput;
  settings: Record<string, unknown>;
  /** Load the run module and answer `ready` without running anything. */
  warmUp?: boolean;
}

process.on('message', (task: Task) => {
  void (async () => {
    try {
      const run = await runOf(task.processor);
      if (task.warmUp) return process.send!({ ready: true });
      const result = await run(task.input, task.settings, ctx);
      process.send!({ details: result.details ?? null });
    } catch (error) {
      process.send!({ error: String(error) });
    }
  })();
});
process.send!({ ready: true });

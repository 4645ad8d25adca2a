/**
 * The entry point of a sandboxed child process. It waits for tasks over IPC, one at a time,
 * resolves the processor through the registry, imports its run module on first use (so a
 * fresh child loads nothing heavy), runs it and replies. It never enforces limits itself —
 * the parent watches time and memory and kills it — and it exits when the parent goes away.
 */
import type { ProcessorAggregate, ProcessorRun, RunContext } from '../processors/processor.js';
import type { ProcessorRegistry } from '../processors/registry.js';
import { aggregateAsRun } from './aggregate-entry.js';
import type { DoneMessage, GroupMessage, ProgressMessage, RunMessage } from './messages.js';
import { parseRunMessage } from './messages.js';
import type { WorkerTask } from './types.js';

/** Least time between two progress messages, in milliseconds. */
const PROGRESS_INTERVAL_MS = 100;

const parentGone = new AbortController();

function send(message: DoneMessage | ProgressMessage | GroupMessage | { type: 'ready' }): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Reports progress to the parent, at most every 100 ms; `flush` sends what is pending. */
function progressReporter(id: number): { progress(pct: number): void; flush(): Promise<void> } {
  let lastSentAt = 0;
  let pending: number | null = null;
  return {
    progress(pct: number): void {
      if (!Number.isFinite(pct)) return;
      const value = Math.min(100, Math.max(0, pct));
      const now = Date.now();
      if (now - lastSentAt < PROGRESS_INTERVAL_MS) {
        pending = value;
        return;
      }
      lastSentAt = now;
      pending = null;
      void send({ type: 'progress', id, pct: value });
    },
    async flush(): Promise<void> {
      if (pending !== null) await send({ type: 'progress', id, pct: pending });
      pending = null;
    },
  };
}

type Entry = NonNullable<WorkerTask['entry']>;
const loaded = new Map<string, ProcessorRun>();

let registry: Promise<ProcessorRegistry> | null = null;

/** This child's registry: the built-in processors and the operator commands the server handed over. */
function processors(): Promise<ProcessorRegistry> {
  registry ??= Promise.all([
    import('../processors/registry.js'),
    import('../processors/commands/config.js'),
  ]).then(([{ registryWithCommands }, { commandsFromEnv }]) =>
    registryWithCommands(commandsFromEnv(process.env)),
  );
  return registry;
}

/**
 * The processor's run function (or its aggregate, as a run), imported once per child (an
 * import() is not free, least of all under a loader).
 */
async function loadRun(name: string, entry: Entry): Promise<ProcessorRun> {
  const key = `${entry}:${name}`;
  const cached = loaded.get(key);
  if (cached) return cached;
  const descriptor = (await processors()).get(name);
  if (!descriptor) throw new Error(`There is no processor named "${name}" in this worker.`);
  const module = (await import(descriptor.runModule.href)) as Record<string, unknown>;
  let run: unknown;
  if (entry === 'aggregate') {
    run =
      typeof module.aggregate === 'function' ? aggregateAsRun(module.aggregate as ProcessorAggregate) : null;
  } else {
    // One module may serve several processors (operator commands): it makes each one's run.
    run = typeof module.createRun === 'function' ? (module.createRun(name) as unknown) : module.run;
  }
  if (typeof run !== 'function')
    throw new Error(`The ${name} processor's module exports no ${entry} function.`);
  loaded.set(key, run as ProcessorRun);
  return run as ProcessorRun;
}

/**
 * Process groups started by the running task (operator commands). The parent is told of
 * each, so its kills reach them; and if the parent goes away, they die with this process.
 */
const groups = new Set<number>();

function trackProcessGroup(id: number): (pgid: number) => () => void {
  return (pgid) => {
    groups.add(pgid);
    void send({ type: 'group', id, pgid });
    return () => groups.delete(pgid);
  };
}

function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  groups.clear();
}

function errorCode(error: unknown): string | null {
  if (error instanceof Error && error.name === 'ProcessorError' && 'code' in error) {
    return typeof error.code === 'string' ? error.code : null;
  }
  // A full disk is not the file's fault: the parent checks and puts the file back in the queue.
  const errno = (error as { code?: unknown } | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return 'STORAGE_FULL';
  return null;
}

async function runTask(message: RunMessage): Promise<void> {
  const { id, task, limits } = message;
  const cpuBefore = process.cpuUsage();
  const cpuMs = (): number => {
    const used = process.cpuUsage(cpuBefore);
    return (used.user + used.system) / 1000;
  };
  const reporter = progressReporter(id);
  const ctx: RunContext = {
    progress: reporter.progress,
    signal: parentGone.signal,
    limits,
    trackProcessGroup: trackProcessGroup(id),
  };
  try {
    const run = await loadRun(task.processor, task.entry ?? 'run');
    const result = await run(task.input, task.settings, ctx);
    await reporter.flush();
    await send({
      type: 'done',
      id,
      ok: true,
      outputType: result.outputType,
      details: result.details ?? null,
      cpuMs: cpuMs(),
    });
  } catch (error) {
    await reporter.flush();
    const text = error instanceof Error ? error.message : String(error);
    await send({ type: 'done', id, ok: false, code: errorCode(error), message: text, cpuMs: cpuMs() });
  }
}

let busy = false;
process.on('message', (raw: unknown) => {
  const message = parseRunMessage(raw);
  // One task at a time is the pool's contract; a second one here is a bug, not a queue.
  if (!message || busy) return;
  busy = true;
  void runTask(message).finally(() => {
    busy = false;
  });
});
// Ctrl-C in a terminal signals the whole process group. The parent decides what happens to
// a running file (cancel, or finish and shut down); a worker dying on its own would count
// as a crash and cost the file an attempt. If the parent goes, 'disconnect' ends us.
process.on('SIGINT', () => {});
process.on('disconnect', () => {
  parentGone.abort();
  killGroups();
  process.exit(0);
});
void send({ type: 'ready' });

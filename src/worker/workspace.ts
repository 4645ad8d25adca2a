/**
 * The hand-over between the server and a sandboxed worker: a folder per worker process in
 * the data folder, `in/` (bound read-only in the sandbox) and `out/` (bound writable). Before
 * a task the server hard-links the file at hand into `in/` — no copy, and the sandbox never
 * sees the blob store — and gives the child paths inside the sandbox; after a success it
 * moves what the child wrote in `out/` to the blob store, checking it is a plain file; and
 * it empties both folders whatever happened. So a worker sees one file at a time.
 */
import { chown, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsCallsFor, type FsCalls } from '../storage/local/fs-calls.js';
import { parseManifest, aggregateManifest } from './aggregate-entry.js';
import { JOB_IN, JOB_OUT } from './bwrap.js';
import type { SandboxIdentity } from './bwrap.js';
import type { WorkerTask } from './types.js';

/** The names of what the child reads and writes, inside the sandbox. */
const INPUT = 'input';
const OUTPUT = 'output';
const DATA = 'data';
const MANIFEST = 'manifest.json';

export class Workspace {
  /** The names placed in `in/` since the last clear. */
  private readonly placed = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly inDir: string,
    readonly outDir: string,
    private readonly identity: SandboxIdentity | null,
    /** The calls of a task's hand-over (on the event loop on a local disk: fs-calls.ts). */
    private readonly calls: FsCalls,
  ) {}

  /** A new, empty workspace under `root`; `out/` belongs to `identity` when there is one. */
  static async create(root: string, identity: SandboxIdentity | null): Promise<Workspace> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(root, 'w-'));
    const workspace = new Workspace(dir, join(dir, 'in'), join(dir, 'out'), identity, await fsCallsFor(dir));
    await mkdir(workspace.inDir, { mode: 0o755 });
    await mkdir(workspace.outDir, { mode: 0o755 });
    // mkdtemp makes 0700: a child with a uid of its own gets there only through its mounts.
    if (identity) await chown(workspace.outDir, identity.uid, identity.gid);
    return workspace;
  }

  /**
   * Puts the task's input(s) in `in/` and returns the task as the child must see it. An
   * aggregate's manifest names every file's data: each is linked in and the manifest rewritten.
   */
  async enter(task: WorkerTask): Promise<WorkerTask> {
    const { input } = task;
    const inside = {
      ...input,
      outputPath: `${JOB_OUT}/${OUTPUT}`,
      ...(input.dataPath !== undefined && { dataPath: `${JOB_OUT}/${DATA}` }),
    };
    if (task.entry !== 'aggregate') {
      await this.place(input.inputPath, INPUT);
      return { ...task, input: { ...inside, inputPath: `${JOB_IN}/${INPUT}` } };
    }
    const files = parseManifest(await readFile(input.inputPath, 'utf8'));
    const moved = [];
    for (const [i, file] of files.entries()) {
      const name = `${DATA}-${i}`;
      // A file whose run wrote no data has none to give; the aggregate is told the same way.
      const present = await this.place(file.dataPath, name).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      moved.push({ ...file, dataPath: present ? `${JOB_IN}/${name}` : `${JOB_IN}/${name}.missing` });
    }
    await writeFile(join(this.inDir, MANIFEST), aggregateManifest(moved), { mode: 0o644 });
    return { ...task, input: { ...inside, inputPath: `${JOB_IN}/${MANIFEST}` } };
  }

  /**
   * After a success: moves the output (and the data) the child wrote to the task's real paths.
   * Only a plain file with one link is taken; anything else is left behind, so the pool finds
   * no output and fails the file. Resolves with the output's size in bytes when it was taken
   * (the pool then need not read it again), else null.
   */
  async collect(task: WorkerTask): Promise<number | null> {
    const size = await this.take(OUTPUT, task.input.outputPath);
    if (task.input.dataPath !== undefined) await this.take(DATA, task.input.dataPath);
    return size;
  }

  /**
   * Empties `in/` (only the server writes there: what it placed) and `out/`, whatever the
   * child left there.
   */
  async clear(): Promise<void> {
    // What the server placed is a file it linked or copied: unlinked at once, without the
    // lstat that rm() makes first to tell a folder.
    const placed = [...this.placed].map((name) => this.calls.unlink(join(this.inDir, name)).catch(ifNotGone));
    this.placed.clear();
    await Promise.all([...placed, this.emptyOut()]);
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Links `source` into `in/` as `name` (a copy when it lives on another filesystem). */
  private async place(source: string, name: string): Promise<void> {
    const target = join(this.inDir, name);
    this.placed.add(name);
    await this.calls.link(source, target).catch(async (error: NodeJS.ErrnoException) => {
      // Left by a run whose clean-up failed: replaced.
      if (error.code === 'EEXIST') {
        await rm(target, { force: true });
        return this.place(source, name);
      }
      if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
      await copyFile(source, target);
    });
    // The child may run as a uid of its own: it must be able to read the file (the data
    // folder itself stays closed to it — it sees only this mount).
    if (this.identity) await this.calls.chmod(target, 0o644);
  }

  /** Moves `name` from `out/` to `destination` if it is a plain file with one link; its size, or null. */
  private async take(name: string, destination: string): Promise<number | null> {
    const source = join(this.outDir, name);
    const stats = await this.calls.lstat(source).catch(() => null);
    if (!stats || !stats.isFile() || stats.nlink !== 1) return null;
    await this.calls.rename(source, destination).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error;
      await copyFile(source, destination);
      await rm(source, { force: true });
    });
    return stats.size;
  }

  /** Removes whatever is in `out/`: after most tasks nothing, and one readdir says so. */
  private async emptyOut(): Promise<void> {
    const names = await this.calls.readdir(this.outDir).catch(() => []);
    await Promise.all(names.map((name) => rm(join(this.outDir, name), { recursive: true, force: true })));
  }
}

/** Rethrows `error` unless it says the path was gone already. */
function ifNotGone(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/**
 * The folder of this process's workspaces under `root`: named by host and pid, so that nodes
 * sharing a data folder keep apart, and a restarted node can tell its dead predecessors'.
 */
export function processWorkspaceRoot(root: string): string {
  return join(root, `${hostname()}-${process.pid}`);
}

/** Removes the workspace folders of this host's processes that are gone (a crash leaves them). */
export async function sweepDeadWorkspaces(root: string): Promise<void> {
  const prefix = `${hostname()}-`;
  const names = await readdir(root).catch(() => []);
  await Promise.all(
    names.map(async (name) => {
      if (!name.startsWith(prefix)) return;
      const pid = Number(name.slice(prefix.length));
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) {
        await rm(join(root, name), { recursive: true, force: true });
      }
    }),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

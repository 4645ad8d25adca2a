/**
 * `SpaceWatch` on `fs.statfs`: the free space of the filesystem that holds the data folder,
 * read on demand (an upload, `/readyz`, a run that hit ENOSPC) and every `pollMs`, so that the
 * server notices the disk filling and, above all, space coming back (an operator deleting
 * files, a batch deleted elsewhere) without being asked. It tells `onFull` once when free space
 * drops below the threshold and `onRoom` once when it is back: the server pauses and resumes
 * its queue there, and logs each once.
 *
 * Part of the threshold is held as a reserve file in the data folder, released when a
 * database write fails for want of space (`releaseReserve`): something else may fill the disk
 * to the last byte, and the database then still needs a little room to put files back in the
 * queue, cancel and delete (SQLite appends to its WAL even to delete). The reserve counts as
 * free space, so holding or releasing it never changes whether the disk is full.
 */
import { rm, stat, statfs, writeFile } from 'node:fs/promises';
import { AppError } from '../../core/errors.js';
import type { SpaceReading, SpaceWatch } from '../../core/ports.js';

export interface StatfsSpaceWatchOptions {
  /** A folder on the filesystem to watch (the data folder). */
  path: string;
  /**
   * Free bytes below which the disk counts as full; 0: never ahead of an ENOSPC.
   */
  minFreeBytes: number;
  /**
   * How often free space is read without being asked, in ms.
   * @defaultValue 2000
   */
  pollMs?: number;
  /**
   * Where the reserve is kept (a file of ours in the data folder), and its size in bytes; 0:
   * none. It is made at `start` when there is room, released by `releaseReserve`, made again
   * once the disk no longer counts as full.
   * @defaultValue no reserve
   */
  reserve?: { path: string; bytes: number };
  /** Free space dropped below the threshold (told once per drop). */
  onFull?: (reading: SpaceReading) => void;
  /** Free space is back above the threshold (told once, after `onFull`). */
  onRoom?: (reading: SpaceReading) => void;
  /** A poll that could not read the free space. */
  onError?: (error: unknown) => void;
}

export class StatfsSpaceWatch implements SpaceWatch {
  readonly #opts: StatfsSpaceWatchOptions;
  #full = false;
  /** Whether the reserve file is in place (its bytes count as free). */
  #held = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: StatfsSpaceWatchOptions) {
    this.#opts = opts;
  }

  /** Last known state: whether free space was below the threshold at the last reading. */
  get full(): boolean {
    return this.#full;
  }

  /** Makes the reserve if there is room, and starts reading free space every `pollMs`. */
  async start(): Promise<void> {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.check().catch((error: unknown) => this.#opts.onError?.(error));
    }, this.#opts.pollMs ?? 2000);
    this.#timer.unref();
    await this.check();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async check(): Promise<SpaceReading> {
    const stats = await statfs(this.#opts.path);
    // `bavail`, not `bfree`: what an unprivileged writer may still use (ext4 keeps 5 % for root).
    const freeBytes = stats.bavail * stats.bsize + (this.#held ? this.#reserveBytes : 0);
    const totalBytes = stats.blocks * stats.bsize;
    const full = this.#opts.minFreeBytes > 0 && freeBytes < this.#opts.minFreeBytes;
    const reading = { freeBytes, totalBytes, full };
    if (!full && !this.#held) await this.#hold(stats.bavail * stats.bsize);
    if (full !== this.#full) {
      this.#full = full;
      if (full) this.#opts.onFull?.(reading);
      else this.#opts.onRoom?.(reading);
    }
    return reading;
  }

  get #reserveBytes(): number {
    return this.#opts.reserve?.bytes ?? 0;
  }

  /** Writes the reserve (real bytes: a sparse file would hold no space) when it fits. */
  async #hold(available: number): Promise<void> {
    const reserve = this.#opts.reserve;
    if (!reserve || reserve.bytes <= 0 || available < reserve.bytes) return;
    this.#held = true;
    try {
      // One left by the previous run (a restart) is as good, if its bytes are really there:
      // 16 MiB written at every start would cost more than the rest of it.
      const left = await stat(reserve.path).catch(() => null);
      if (left?.isFile() && left.size === reserve.bytes && left.blocks * 512 >= reserve.bytes) return;
      await writeFile(reserve.path, Buffer.alloc(reserve.bytes));
    } catch (error) {
      this.#held = false;
      await rm(reserve.path, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async releaseReserve(): Promise<void> {
    const reserve = this.#opts.reserve;
    if (!reserve) return;
    // Also when not known to be held: a reserve left by a previous run is as good as free.
    await rm(reserve.path, { force: true });
    this.#held = false;
  }

  async assertRoom(): Promise<void> {
    const reading = await this.check();
    if (reading.full) throw storageFull(reading.freeBytes, this.#opts.minFreeBytes);
  }
}

/** The refusal of an upload for want of space, with the figures an operator needs. */
export function storageFull(freeBytes: number | null, minFreeBytes: number): AppError {
  return new AppError(
    'STORAGE_FULL',
    'The server is out of disk space: new uploads are refused until space is freed (delete finished batches, or ask the operator).',
    { details: freeBytes === null ? { minFreeBytes } : { freeBytes, minFreeBytes } },
  );
}

/**
 * `JobQueue` on the metadata store itself: the `batch_files` table is the queue. A file is
 * taken by a guarded update that gives it a lease; the runner renews the lease while it
 * works; a lease that expires (its process died) puts the file back, by the timer here and
 * at start-up. Nothing but the database is shared, so a crash loses nothing.
 */
import { randomBytes } from 'node:crypto';
import type { ClaimNextOptions, FileRunner, JobQueue, LeasedFile, MetadataStore } from '../../core/ports.js';

export interface LocalJobQueueOptions {
  /** Files run at once. 0 makes a node that takes no files. */
  concurrency: number;
  /** Lease of a running file, in ms; the runner renews it. */
  leaseMs: number;
  maxAttempts: number;
  /** This node's name, recorded on the files it runs. */
  node: string;
  /**
   * How often to look for runnable files without being told (retries whose back-off has
   * passed, files of other processes) and for expired leases.
   * @defaultValue 1000 ms
   */
  pollMs?: number;
  onError: (error: unknown) => void;
}

export class LocalJobQueue implements JobQueue {
  readonly kind = 'local' as const;
  /** Unique per process: a restarted node never mistakes its predecessor's leases for its own. */
  private readonly owner: string;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private runner: FileRunner | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private stopped = false;
  private paused = false;

  constructor(
    private readonly store: MetadataStore,
    private readonly opts: LocalJobQueueOptions,
  ) {
    this.owner = `${opts.node}#${randomBytes(4).toString('hex')}`;
  }

  start(runner: FileRunner): void {
    this.runner = runner;
    const pollMs = this.opts.pollMs ?? 1000;
    this.timer = setInterval(() => {
      const now = Date.now();
      this.store
        .recoverExpiredLeases({ expiredBefore: now, now, maxAttempts: this.opts.maxAttempts })
        .then(() => this.notify(), this.opts.onError);
    }, pollMs);
    this.timer.unref();
    this.notify();
  }

  notify(): void {
    if (this.stopped || !this.runner) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch(this.opts.onError)
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.notify();
  }

  /** The database is this queue: a cancelled file is no longer runnable there. */
  forget(): void {}

  abort(batchId: string, indices: number[]): void {
    for (const index of indices) this.running.get(key(batchId, index))?.controller.abort('cancel');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const run of this.running.values()) run.controller.abort('shutdown');
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Takes files while there are free slots and runnable files. */
  private async pump(): Promise<void> {
    while (!this.stopped && !this.paused && this.running.size < this.opts.concurrency) {
      const leased = await this.store.claimNextFile(this.claim());
      if (!leased) return;
      this.run(leased);
    }
  }

  /** The claim of a file for this queue, at this moment. */
  private claim(): ClaimNextOptions {
    return { owner: this.owner, node: this.opts.node, leaseMs: this.opts.leaseMs, now: Date.now() };
  }

  /**
   * Runs a leased file in a slot. When it ends, the runner records it and claims the next
   * file in one transaction, which then runs in the same slot; a file claimed as the queue
   * stopped or paused is left leased (lease recovery at the next start, as for a run stopped
   * by a shutdown) or run anyway (a pause only stops new claims).
   */
  private run(leased: LeasedFile): void {
    const id = key(leased.file.batchId, leased.file.index);
    const controller = new AbortController();
    const handOff = (): ClaimNextOptions | null => (this.stopped || this.paused ? null : this.claim());
    const done = this.runner!(leased, controller.signal, handOff)
      .then(
        (next) => {
          this.running.delete(id);
          if (next && !this.stopped) this.run(next);
        },
        (error: unknown) => {
          this.running.delete(id);
          this.opts.onError(error);
        },
      )
      .finally(() => this.notify());
    this.running.set(id, { controller, done });
  }
}

function key(batchId: string, index: number): string {
  return `${batchId}:${index}`;
}

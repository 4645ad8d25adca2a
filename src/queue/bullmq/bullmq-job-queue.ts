/**
 * `JobQueue` on BullMQ (Redis), for several nodes: one BullMQ job per waiting file, taken by
 * whichever node has a free slot. BullMQ only delivers; the store decides. A job names a
 * file, and the node that takes it claims that file in the database (`claimFile`): a file
 * delivered twice — a duplicate job, a job BullMQ runs again after a stall — runs under one
 * lease at a time, and its end is recorded once (`completeFile` is guarded by the lease).
 * File states, attempts, back-off and batch counters stay in the store; BullMQ flows,
 * attempts and results are not used.
 *
 * - Job ids are `<batchId>-<index>-<attempts>`: enqueueing a file twice while it waits is a
 *   no-op, a file waiting for another run (retry, back-off) gets a new job. Finished jobs are
 *   removed at once, so an id is only ever held by a live job.
 * - A job keeps working on its file until the file needs nothing more: it claims it; when the
 *   store says `wait` (a live lease elsewhere), the job moves itself to BullMQ's delayed set
 *   until then; when its run ends `retrying` (or does not end: the runner threw, a shutdown),
 *   a delayed job for that next wait takes over.
 * - A node that dies: BullMQ's stall check (every `stalledIntervalMs`, any node) puts its jobs
 *   back once their lock (`leaseMs`) expired; the node that takes one finds the file's lease
 *   expired and recovers it (an attempt counted; `WORKER_CRASHED` after `maxAttempts`).
 * - A sweep every `sweepMs` recovers expired leases and enqueues every waiting file, so that a
 *   file whose job was lost (an API node that died between commit and enqueue, a job BullMQ
 *   gave up on) is taken all the same.
 * - Pause (the disk is full): the BullMQ worker of this node fetches no job and a job whose
 *   run ended claims no more; waiting files keep their jobs (or get them from the sweep and
 *   at `resume`).
 * - Cancel: `abort` publishes on a channel every node subscribes to (cancel-channel.ts).
 * - Outages: after Redis comes back (emptied by a restart, maybe) every waiting file is
 *   enqueued again at once; a job whose claim finds the database unreachable tries again
 *   (under the same owner, see #claim); a run whose result cannot be written yet keeps
 *   trying within its lease.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FileClaim, FileRunner, JobQueue, MetadataStore, WaitingFile } from '../../core/ports.js';
import { isUnreachable, retryWhileUnreachable } from '../../core/unreachable.js';
import { redisClient } from '../../events/redis/ioredis.js';
import { bullmq } from './bullmq.js';
import { CancelChannel, type CancelMessage } from './cancel-channel.js';

export interface BullmqJobQueueOptions {
  /** `redis://…` of the Redis that every node shares. */
  redisUrl: string;
  /**
   * Prefix of every Redis key and channel of this queue: deployments (and tests) sharing a
   * Redis each use their own. No `:` in it.
   * @defaultValue 'filemill'
   */
  prefix?: string;
  /** Files run at once on this node (the pool size). 0 makes a node that only enqueues. */
  concurrency: number;
  /** This node's name, recorded on the files it runs. */
  node: string;
  /**
   * Lease of a running file, and the lock of its BullMQ job, in ms: a file on a node that
   * died is taken by another one about this long (plus `stalledIntervalMs`) after the node
   * last renewed it. The FileRunner must renew leases with the same value.
   */
  leaseMs: number;
  /** Runs of a file, its stalls included, before it fails (`WORKER_CRASHED` for a stall). */
  maxAttempts: number;
  /**
   * How often this node looks for jobs whose lock expired (their node died).
   * @defaultValue 5000 ms
   */
  stalledIntervalMs?: number;
  /**
   * How often this node recovers expired leases and enqueues every waiting file.
   * @defaultValue 10000 ms
   */
  sweepMs?: number;
  onError: (error: unknown) => void;
  /**
   * Told, once per job, that BullMQ lost a job under a run (Redis restarted without its data):
   * the run goes on under its lease in the database, so this is news, not an error.
   * @defaultValue onError
   */
  onJobLost?: (jobId: string) => void;
}

/** What a job carries: the file it is for. */
interface FileJob {
  batchId: string;
  index: number;
}

const QUEUE_NAME = 'files';
/** Waiting files read per page when enqueueing. */
const ENQUEUE_PAGE = 500;
/** A delayed look comes this long after the time the store named, so that time has passed. */
const AFTER_MS = 50;
/** BullMQ's messages for a job whose keys are gone from Redis, and the job's id. */
const JOB_LOST = /^(?:Missing key for job|Missing lock for job|could not renew lock for job) ([^\s.]+)/;
/** Lost jobs remembered, so that each is reported once. */
const MAX_LOST_JOBS_KEPT = 10_000;
/** How long a stop waits for the jobs in flight and Redis before it cuts the connections. */
const STOP_GRACE_MS = 10_000;
/** How soon a job whose claims found the database unreachable for a whole lease looks again. */
const CLAIM_AGAIN_MS = 1000;

export class BullmqJobQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly #store: MetadataStore;
  readonly #opts: BullmqJobQueueOptions;
  readonly #prefix: string;
  /** Unique per instance: lease owners of this node's runs derive from it. */
  readonly #instance = randomBytes(4).toString('hex');
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  readonly #connection: Redis;
  readonly #queue: Queue<FileJob>;
  readonly #cancels: CancelChannel;
  readonly #lostJobs = new Set<string>();
  #worker: Worker<FileJob> | null = null;
  #runner: FileRunner | null = null;
  #timer: NodeJS.Timeout | null = null;
  #runs = 0;
  /** The enqueueing pass under way, if any. */
  #enqueueing: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  #paused = false;

  constructor(store: MetadataStore, opts: BullmqJobQueueOptions) {
    this.#store = store;
    this.#opts = opts;
    this.#prefix = opts.prefix ?? 'filemill';
    if (this.#prefix.includes(':')) throw new Error('The BullMQ prefix must not contain ":".');
    // BullMQ's blocking reads need commands that wait for a reconnect rather than fail.
    const Redis = redisClient();
    this.#connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.#connection.on('error', opts.onError);
    // A Redis that restarted without persistence lost every job: the database still knows
    // which files wait, so each (re)connection enqueues them again (ids make it idempotent).
    this.#connection.on('ready', () => this.notify());
    const { Queue } = bullmq();
    this.#queue = new Queue<FileJob>(QUEUE_NAME, { connection: this.#connection, prefix: this.#prefix });
    this.#queue.on('error', opts.onError);
    this.#cancels = new CancelChannel(opts.redisUrl, `${this.#prefix}:${QUEUE_NAME}:cancel`, opts.onError);
  }

  start(runner: FileRunner): void {
    this.#runner = runner;
    this.#cancels.listen((message) => this.#abortHere(message)).catch(this.#opts.onError);
    if (this.#opts.concurrency > 0) {
      const { Worker } = bullmq();
      this.#worker = new Worker<FileJob>(QUEUE_NAME, (job, token) => this.#process(job, token), {
        connection: this.#connection,
        prefix: this.#prefix,
        concurrency: this.#opts.concurrency,
        lockDuration: this.#opts.leaseMs,
        stalledInterval: this.#opts.stalledIntervalMs ?? 5000,
        // The store counts a file's runs and fails it after maxAttempts; BullMQ must not give up first.
        maxStalledCount: this.#opts.maxAttempts,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      });
      // Paused before it started (a server started on a full disk).
      if (this.#paused) this.#worker.pause(true).catch(this.#opts.onError);
      this.#worker.on('error', (error) => this.#workerError(error));
      this.#worker.on('failed', (_job, error) => this.#workerError(error));
    }
    this.#timer = setInterval(() => this.#sweep(), this.#opts.sweepMs ?? 10_000);
    this.#timer.unref();
    this.notify();
  }

  /** Enqueues every waiting file; calls made while enqueueing are folded into one more pass. */
  notify(): void {
    if (this.#stopped || !this.#runner) return;
    if (this.#enqueueing) {
      this.#again = true;
      return;
    }
    this.#enqueueing = this.#enqueueWaiting()
      .catch(this.#opts.onError)
      .finally(() => {
        this.#enqueueing = null;
        if (this.#again) {
          this.#again = false;
          this.notify();
        }
      });
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    // Locally, and without waiting for the jobs in flight: they end their runs as usual.
    this.#worker?.pause(true).catch(this.#opts.onError);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#worker?.resume().catch(this.#opts.onError);
    // A job that stopped at the pause left its file without one; enqueue them all again.
    this.notify();
  }

  abort(batchId: string, indices: number[]): void {
    this.#abortHere({ batchId, indices });
    this.#cancels.publish({ batchId, indices });
  }

  forget(batchId: string, indices: number[] | null): void {
    this.#removeWaiting(batchId, indices).catch(this.#opts.onError);
  }

  /** Removes the waiting and delayed jobs of these files (a job that runs is left to its run). */
  async #removeWaiting(batchId: string, indices: number[] | null): Promise<void> {
    const wanted = indices === null ? null : new Set(indices);
    for (const state of ['waiting', 'delayed', 'prioritized'] as const) {
      let start = 0;
      for (;;) {
        const jobs = await this.#queue.getJobs([state], start, start + ENQUEUE_PAGE - 1);
        const ours = jobs.filter(
          (job) => job?.data.batchId === batchId && (wanted?.has(job.data.index) ?? true),
        );
        await Promise.all(ours.map((job) => job.remove().catch(() => undefined)));
        if (jobs.length < ENQUEUE_PAGE) break;
        // What was removed from this page shifts the next one towards it.
        start += ENQUEUE_PAGE - ours.length;
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const run of this.#running.values()) run.controller.abort('shutdown');
    const closed = this.#close().then(
      () => true,
      () => true,
    );
    if (await Promise.race([closed, delay(STOP_GRACE_MS, false)])) return;
    // Redis is away: what waits on it would wait for ever. The connections are cut, which
    // fails those commands; the files in flight are recovered by their leases.
    // Not awaited: a client cut while it waits to reconnect never says it ended.
    for (const cut of [this.#worker?.disconnect(), this.#queue.disconnect()]) cut?.catch(() => undefined);
    this.#cancels.disconnect();
    this.#connection.disconnect();
  }

  async #close(): Promise<void> {
    await this.#enqueueing;
    // Waits for the jobs in flight: each hands its file back (delayed until its lease expires).
    await this.#worker?.close();
    await this.#queue.close();
    await this.#cancels.close();
    await this.#connection.quit().catch(() => undefined);
  }

  /**
   * BullMQ's complaints about a job gone from Redis — each lock renewal, then the end of the
   * run — come down to one report per job; anything else is an error.
   */
  #workerError(error: Error): void {
    const jobId = JOB_LOST.exec(error.message)?.[1];
    if (jobId === undefined) return this.#opts.onError(error);
    if (this.#lostJobs.has(jobId)) return;
    if (this.#lostJobs.size >= MAX_LOST_JOBS_KEPT) this.#lostJobs.clear();
    this.#lostJobs.add(jobId);
    if (this.#opts.onJobLost) this.#opts.onJobLost(jobId);
    else this.#opts.onError(error);
  }

  #abortHere({ batchId, indices }: CancelMessage): void {
    for (const index of indices) this.#running.get(key(batchId, index))?.controller.abort('cancel');
  }

  #sweep(): void {
    const now = Date.now();
    this.#store
      .recoverExpiredLeases({ expiredBefore: now, now, maxAttempts: this.#opts.maxAttempts })
      .then(() => this.notify(), this.#opts.onError);
  }

  async #enqueueWaiting(): Promise<void> {
    let after: { batchId: string; index: number } | undefined;
    for (;;) {
      const files = await this.#store.listWaitingFiles({ limit: ENQUEUE_PAGE, ...(after && { after }) });
      if (files.length === 0) return;
      await this.#add(files);
      if (files.length < ENQUEUE_PAGE || this.#stopped) return;
      after = files.at(-1);
    }
  }

  /** One job per file, delayed until its `notBefore`; a file that has its job already is skipped. */
  async #add(files: WaitingFile[]): Promise<void> {
    const now = Date.now();
    await this.#queue.addBulk(
      files.map((f) => ({
        name: 'file',
        data: { batchId: f.batchId, index: f.index },
        opts: {
          jobId: `${f.batchId}-${f.index}-${f.attempts}`,
          delay: Math.max(0, (f.notBefore ?? now) + (f.notBefore === null ? 0 : AFTER_MS) - now),
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  /**
   * One job: claims its file and runs it, until the file is done or has to wait. A wait
   * before any run (a duplicate delivery, a stall of a node still alive) delays this job; a
   * wait after a run (a back-off, a run that did not end) is a new wait of the file, with
   * the job id the sweep would give it, so the two never make two jobs.
   */
  async #process(job: Job<FileJob>, token: string | undefined): Promise<void> {
    const { batchId, index } = job.data;
    let ranAttempt: number | null = null;
    for (;;) {
      // Paused: a job fetched just before waits a moment in the delayed set (the paused worker
      // fetches it only after `resume`); after its run, the file (back in the queue, or done)
      // is enqueued again at `resume`.
      if (this.#paused) {
        if (ranAttempt === null) return this.#lookAgainAt(job, token, Date.now() + CLAIM_AGAIN_MS);
        return;
      }
      const claim: FileClaim = this.#stopped
        ? ({ kind: 'wait', until: Date.now() + (ranAttempt === null ? 0 : this.#opts.leaseMs) } as const)
        : await this.#claim(batchId, index);
      if (claim.kind === 'none') return;
      if (claim.kind === 'wait') {
        if (ranAttempt === null) return this.#lookAgainAt(job, token, claim.until);
        return this.#add([{ batchId, index, attempts: ranAttempt, notBefore: claim.until }]);
      }
      ranAttempt = claim.leased.file.attempts;
      const controller = new AbortController();
      // No hand-off: BullMQ delivers the next file itself.
      const done = this.#runner!(claim.leased, controller.signal).then(() => undefined, this.#opts.onError);
      this.#running.set(key(batchId, index), { controller, done });
      try {
        await done;
      } finally {
        this.#running.delete(key(batchId, index));
      }
    }
  }

  /**
   * Claims the file for a new run. While the database is away the claim is tried again under
   * the same owner — one whose answer was lost may have committed, and then returns the lease
   * it took — for up to a lease; then the job looks again a moment later instead of failing.
   */
  async #claim(batchId: string, index: number): Promise<FileClaim> {
    this.#runs += 1;
    // One owner per run: a run this node gave up on can never write over the next one.
    const owner = `${this.#opts.node}#${this.#instance}.${this.#runs}`;
    const claim = (): Promise<FileClaim> =>
      this.#store.claimFile({
        batchId,
        index,
        owner,
        node: this.#opts.node,
        leaseMs: this.#opts.leaseMs,
        now: Date.now(),
        maxAttempts: this.#opts.maxAttempts,
      });
    try {
      return await retryWhileUnreachable(claim, {
        until: Date.now() + this.#opts.leaseMs,
        onFirstRetry: this.#opts.onError,
        stop: () => this.#stopped,
      });
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      return { kind: 'wait', until: Date.now() + CLAIM_AGAIN_MS };
    }
  }

  /** Puts the job in BullMQ's delayed set until `at`, then it claims its file again. */
  async #lookAgainAt(job: Job<FileJob>, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at + AFTER_MS, token);
    throw new (bullmq().DelayedError)();
  }
}

function key(batchId: string, index: number): string {
  return `${batchId}:${index}`;
}

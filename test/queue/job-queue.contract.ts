/**
 * The behaviour every `JobQueue` adapter must show, as one suite that each adapter's test
 * file runs unchanged: with a real store and a fake runner that records its calls and ends
 * runs through the store as the real one does (`completeFile` under the lease owner).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isFinalBatch } from '../../src/core/model.js';
import type { FileRunner, JobQueue, LeasedFile, MetadataStore } from '../../src/core/ports.js';
import { makeBatch } from '../store/contract/fixtures.js';

/** A store, and queues on it: each `newQueue` is another node sharing the same work. */
export interface JobQueueHarness {
  store: MetadataStore;
  /** The lease a queue gives a file it takes, in ms: a run whose runner vanished is retaken after it. */
  leaseMs: number;
  newQueue(opts: { concurrency: number; node: string; onError: (error: unknown) => void }): JobQueue;
  /** Closes what the harness opened (the queues are stopped by the tests). */
  close(): Promise<void>;
}

export type JobQueueFactory = () => Promise<JobQueueHarness>;

/** What the fake runner does with one run: end it, or hold it until its signal aborts. */
type Behaviour = 'succeed' | 'fail' | 'retry' | 'requeue' | 'hold' | 'throw';

/** The back-off of a run that ends `retrying`, in ms. */
const RETRY_AFTER_MS = 300;

/** A FileRunner that records its calls and ends runs through the store, as the real one does. */
export class FakeRunner {
  readonly calls: { batchId: string; index: number; node: string | null }[] = [];
  readonly aborted: { index: number; reason: unknown }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #active = new Set<Promise<void>>();

  constructor(
    private readonly store: MetadataStore,
    private readonly behaviour: (leased: LeasedFile, call: number) => Behaviour = () => 'succeed',
    private readonly runMs = 20,
  ) {}

  runsOf(batchId: string, index: number): number {
    return this.calls.filter((c) => c.batchId === batchId && c.index === index).length;
  }

  readonly run: FileRunner = (leased, signal) => {
    const promise = this.#run(leased, signal);
    this.#active.add(promise);
    // No hand-off: the queue claims the next file itself.
    return promise.then(() => null).finally(() => this.#active.delete(promise));
  };

  async #run(leased: LeasedFile, signal: AbortSignal): Promise<void> {
    const { batchId, index } = leased.file;
    this.calls.push({ batchId, index, node: leased.file.node });
    const behaviour = this.behaviour(leased, this.runsOf(batchId, index));
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (behaviour === 'throw') throw new Error(`runner broke on file ${index}`);
      await until(signal, behaviour === 'hold' ? Infinity : this.runMs);
      if (signal.aborted) {
        this.aborted.push({ index, reason: signal.reason });
        // As the real runner: a shutdown leaves the file to lease recovery.
        if (signal.reason === 'shutdown') return;
      }
      const outcome = signal.aborted
        ? ({ kind: 'cancelled' } as const)
        : behaviour === 'requeue'
          ? ({ kind: 'requeued', error: { code: 'STORAGE_FULL', message: 'The disk is full.' } } as const)
          : behaviour === 'retry'
            ? ({
                kind: 'retrying',
                error: { code: 'WORKER_CRASHED', message: 'The worker stopped.' },
                notBefore: Date.now() + RETRY_AFTER_MS,
              } as const)
            : behaviour === 'fail'
              ? ({
                  kind: 'failed',
                  error: { code: 'CORRUPT_INPUT', message: 'The file is damaged.' },
                  durationMs: 1,
                  cpuMs: 1,
                  details: null,
                } as const)
              : ({
                  kind: 'succeeded',
                  outputBytes: 10,
                  outputType: 'image/webp',
                  durationMs: 1,
                  cpuMs: 1,
                  details: null,
                } as const);
      await this.store.completeFile(batchId, index, leased.leaseOwner, outcome, Date.now());
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Every run started so far has returned. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#active]);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function until(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Polls `check` until it holds; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function batchEnds(store: MetadataStore, batchId: string): Promise<void> {
  await waitFor(`batch ${batchId} to end`, async () => {
    const batch = await store.getBatch(batchId);
    return batch !== null && isFinalBatch(batch.status);
  });
}

/**
 * Runs the suite against harnesses made by `factory`: a fresh store (and broker) per test.
 * `skip` names cases an adapter cannot run, each with its reason.
 */
export function describeJobQueue(
  name: string,
  factory: JobQueueFactory,
  skip: Record<string, string> = {},
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let harness: JobQueueHarness | undefined;
    let queues: JobQueue[] = [];
    let errors: unknown[] = [];

    beforeEach(async () => {
      harness = await factory();
      queues = [];
      errors = [];
    });
    afterEach(async () => {
      await Promise.allSettled(queues.map((q) => q.stop()));
      await harness?.close();
      harness = undefined;
    });

    const h = (): JobQueueHarness => {
      assert.ok(harness, 'harness not open');
      return harness;
    };
    const store = (): MetadataStore => h().store;
    const node = (concurrency: number, runner: FakeRunner, nodeName = 'node-a'): JobQueue => {
      const queue = h().newQueue({ concurrency, node: nodeName, onError: (e) => errors.push(e) });
      queues.push(queue);
      queue.start(runner.run);
      return queue;
    };
    const submit = async (files: number): Promise<string> => {
      const input = makeBatch({ createdAt: Date.now(), files });
      await store().createBatch(input);
      return input.id;
    };
    const test = (title: string, fn: () => Promise<void>): void => {
      const reason = skip[title];
      if (reason !== undefined) it(title, { skip: reason }, fn);
      else it(title, fn);
    };

    test('runs every queued file of a submitted batch exactly once, to a final state', async () => {
      const runner = new FakeRunner(store());
      const queue = node(2, runner);
      const batchId = await submit(8);
      queue.notify();
      await batchEnds(store(), batchId);
      const batch = await store().getBatch(batchId);
      assert.equal(batch?.status, 'completed');
      assert.equal(batch?.counts.succeeded, 8);
      await runner.settled();
      for (let index = 0; index < 8; index++) assert.equal(runner.runsOf(batchId, index), 1);
      assert.deepEqual(errors, []);
    });

    test('runs the retried files after notify()', async () => {
      const runner = new FakeRunner(store(), (l, call) =>
        l.file.index === 1 && call === 1 ? 'fail' : 'succeed',
      );
      const queue = node(2, runner);
      const batchId = await submit(3);
      queue.notify();
      await batchEnds(store(), batchId);
      assert.equal((await store().getBatch(batchId))?.status, 'completed_with_errors');
      assert.equal(await store().retry(batchId, [1], Date.now()), 1);
      queue.notify();
      await batchEnds(store(), batchId);
      assert.equal((await store().getBatch(batchId))?.status, 'completed');
      await runner.settled();
      assert.deepEqual(
        [0, 1, 2].map((i) => runner.runsOf(batchId, i)),
        [1, 2, 1],
      );
    });

    test('runs a file again after its back-off when its run ends retrying', async () => {
      const runner = new FakeRunner(store(), (l, call) =>
        l.file.index === 0 && call < 3 ? 'retry' : 'succeed',
      );
      const queue = node(2, runner);
      const batchId = await submit(2);
      queue.notify();
      await batchEnds(store(), batchId);
      const file = await store().getFile(batchId, 0);
      assert.equal(file?.status, 'succeeded');
      assert.equal(file?.attempts, 3);
      await runner.settled();
      assert.equal(runner.runsOf(batchId, 0), 3);
      assert.deepEqual(errors, []);
    });

    test('takes no file while paused, lets the run in flight end, and runs the waiting files after resume', async () => {
      let queue: JobQueue | null = null;
      // As the real runner on a full disk: the run pauses the queue and puts its file back.
      const runner = new FakeRunner(store(), (l, call) => {
        if (l.file.index !== 0 || call !== 1) return 'succeed';
        queue?.pause();
        return 'requeue';
      });
      queue = node(1, runner);
      const batchId = await submit(3);
      queue.notify();
      await waitFor('file 0 back in the queue', async () => {
        const file = await store().getFile(batchId, 0);
        return runner.calls.length === 1 && file?.status === 'queued';
      });
      queue.notify();
      // Paused: given time and a notify, it still takes nothing.
      await new Promise((r) => setTimeout(r, 800));
      await runner.settled();
      assert.equal(runner.calls.length, 1);
      assert.deepEqual((await store().getBatch(batchId))?.counts.queued, 3);

      queue.resume();
      await batchEnds(store(), batchId);
      assert.equal((await store().getBatch(batchId))?.status, 'completed');
      const file = await store().getFile(batchId, 0);
      assert.equal(file?.attempts, 1, 'the run that was put back cost no attempt');
      await runner.settled();
      assert.equal(runner.runsOf(batchId, 0), 2);
      assert.deepEqual(errors, []);
    });

    test('never runs more files at once than its concurrency', async () => {
      const runner = new FakeRunner(store(), () => 'succeed', 60);
      const queue = node(3, runner);
      const batchId = await submit(10);
      queue.notify();
      await batchEnds(store(), batchId);
      assert.ok(runner.maxInFlight <= 3, `ran ${runner.maxInFlight} at once`);
      assert.equal((await store().getBatch(batchId))?.counts.succeeded, 10);
    });

    test('stops the runs it is told to abort, and they end cancelled', async () => {
      const runner = new FakeRunner(store(), () => 'hold');
      const queue = node(2, runner);
      const batchId = await submit(2);
      queue.notify();
      await waitFor('two runs', () => runner.inFlight === 2);
      const { running } = await store().cancel(batchId, null, Date.now());
      assert.deepEqual(running, [0, 1]);
      queue.abort(batchId, running);
      await batchEnds(store(), batchId);
      const batch = await store().getBatch(batchId);
      assert.equal(batch?.status, 'cancelled');
      assert.equal(batch?.counts.cancelled, 2);
      assert.deepEqual(
        runner.aborted.map((a) => a.index).sort(),
        [0, 1],
        'the runners saw their signal abort',
      );
      assert.deepEqual(errors, []);
    });

    test('does not run a file twice when told of it many times', async () => {
      const runner = new FakeRunner(store(), () => 'succeed', 40);
      const queue = node(4, runner);
      const batchId = await submit(6);
      for (let i = 0; i < 5; i++) queue.notify();
      await batchEnds(store(), batchId);
      queue.notify();
      queue.notify();
      await new Promise((r) => setTimeout(r, 300));
      await runner.settled();
      for (let index = 0; index < 6; index++) assert.equal(runner.runsOf(batchId, index), 1);
    });

    test('shares the work between two nodes, each file running once', async () => {
      const runner = new FakeRunner(store(), () => 'succeed', 40);
      const a = node(2, runner, 'node-a');
      const b = node(2, runner, 'node-b');
      const batchId = await submit(12);
      a.notify();
      b.notify();
      await batchEnds(store(), batchId);
      await runner.settled();
      for (let index = 0; index < 12; index++) assert.equal(runner.runsOf(batchId, index), 1);
      assert.equal((await store().getBatch(batchId))?.counts.succeeded, 12);
      assert.deepEqual(errors, []);
    });

    test('keeps going when a runner throws, and runs that file again once its lease expires', async () => {
      const runner = new FakeRunner(store(), (l, call) =>
        l.file.index === 0 && call === 1 ? 'throw' : 'succeed',
      );
      const queue = node(2, runner);
      const batchId = await submit(4);
      queue.notify();
      await waitFor('the other files', async () => (await store().getBatch(batchId))?.counts.succeeded === 3);
      assert.ok(errors.some((e) => e instanceof Error && /runner broke/.test(e.message)));
      await batchEnds(store(), batchId);
      const file = await store().getFile(batchId, 0);
      assert.equal(file?.status, 'succeeded');
      assert.equal(file?.attempts, 2);
      assert.equal(runner.runsOf(batchId, 0), 2);
    });

    test('stop() waits for the runs in flight and takes no more files', async () => {
      const runner = new FakeRunner(store(), () => 'hold');
      const queue = node(2, runner);
      const batchId = await submit(4);
      queue.notify();
      await waitFor('two runs', () => runner.inFlight === 2);
      await queue.stop();
      assert.equal(runner.inFlight, 0, 'every run had ended when stop() resolved');
      assert.deepEqual(
        runner.aborted.map((a) => a.reason),
        ['shutdown', 'shutdown'],
      );
      queue.notify();
      await new Promise((r) => setTimeout(r, h().leaseMs + 500));
      assert.equal(runner.calls.length, 2, 'no file was taken after stop()');
      assert.equal((await store().getBatch(batchId))?.counts.queued, 2);
      assert.deepEqual(errors, []);
    });
  });
}

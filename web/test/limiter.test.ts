import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLimiter } from '../src/limiter.js';

/** A task that runs until `finish` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { finish, task: () => done };
}

describe('a limiter', () => {
  it('runs at most n tasks at once, the others in order as places free', async () => {
    const limit = createLimiter(2);
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      limit(() => {
        started.push(i);
        return g.task();
      }),
    );
    await Promise.resolve();
    assert.deepEqual(started, [0, 1]);
    gates[1]!.finish();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.finish();
    gates[2]!.finish();
    gates[3]!.finish();
    await Promise.all(runs);
    assert.deepEqual(started, [0, 1, 2, 3]);
  });

  it('never starts a task no longer wanted, and passes its turn on', async () => {
    const limit = createLimiter(1);
    const started: string[] = [];
    const first = gate();
    const abort = new AbortController();
    const running = limit(() => (started.push('first'), first.task()));
    const dropped = limit(async () => void started.push('dropped'), abort.signal);
    const last = limit(async () => void started.push('last'));
    abort.abort(new Error('gone'));
    first.finish();
    await running;
    await assert.rejects(dropped, /gone/);
    await last;
    assert.deepEqual(started, ['first', 'last']);
  });
});

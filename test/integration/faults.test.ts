/**
 * Fault injection: "nothing lost" (README) proven against real `filemill serve` processes.
 * Here the server is killed with SIGKILL at random moments through a batch — the moments
 * drawn from a seeded PRNG, on SQLite and on PostgreSQL, several kills per batch, restarted on
 * the same data folder each time. Its siblings kill it at exact points armed by failpoints
 * (faults-failpoints.test.ts) and let a worker hang, a client read slowly and the database go
 * away (faults-stalls.test.ts); they are separate files so that the runner runs them side by
 * side. After each fault, `assertReadable` checks everything a client reads.
 *
 * More seeds by hand: `FILEMILL_FAULT_SEEDS=50` (from seed 1, or from `FILEMILL_FAULT_SEED`);
 * one failing seed again: `FILEMILL_FAULT_SEED=17 FILEMILL_FAULT_SEEDS=1`.
 */
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresProblem } from '../store/postgres-support.js';
import { itNeedsService } from '../support/services.js';
import './support/env.js';
import { accepted, texts, withSetup, type Db } from './support/fault-setup.js';
import { assertReadable, kill9, prng } from './support/faults.js';

/** Seeds per database: 2 keeps the file within about three minutes on two cores. */
const SEEDS = Number(process.env.FILEMILL_FAULT_SEEDS ?? 2);
const FIRST_SEED = Number(process.env.FILEMILL_FAULT_SEED ?? 1);
const pgProblem = await postgresProblem();

for (const db of ['sqlite', 'postgres'] as const) {
  describe(`kill -9 of the server at random moments through a batch (${db})`, () => {
    if (db === 'postgres' && pgProblem !== null) {
      itNeedsService('survives kill -9 on PostgreSQL', 'PostgreSQL', 'FILEMILL_TEST_DATABASE_URL', pgProblem);
      return;
    }
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      it(`seed ${seed}: every file ends once and the batch reads to its end after each kill`, (t) =>
        randomKills(t, db, seed));
    }
  });
}

async function randomKills(t: TestContext, db: Db, seed: number): Promise<void> {
  const rand = prng(seed);
  const files = 3 + Math.floor(rand() * 5);
  const ms = 150 + Math.floor(rand() * 350);
  // Two attempts: a file caught running by two kills ends WORKER_CRASHED.
  const maxAttempts = rand() < 0.5 ? 2 : 3;
  const kills = 2 + Math.floor(rand() * 2);
  // Two files at once, `files` files of `ms`: the batch takes about `span` ms.
  const span = (Math.ceil(files / 2) * ms) / kills;
  const delays = Array.from({ length: kills }, () => Math.floor(rand() * span * 1.5));
  t.diagnostic(
    `seed ${seed} (${db}): ${files} files × ${ms} ms, ${maxAttempts} attempts, kills ${delays.join(', ')} ms ` +
      `after each start — replay: FILEMILL_FAULT_SEED=${seed} FILEMILL_FAULT_SEEDS=1`,
  );
  // On PostgreSQL other nodes may share the database: a dead server's leases are recovered
  // once expired, so they are short here.
  const env = { FILEMILL_MAX_ATTEMPTS: String(maxAttempts), FILEMILL_LEASE_MS: '2000' };
  await withSetup(t, db, env, async (setup) => {
    let server = await setup.serve();
    const inputs = texts(files, `seed ${seed}`);
    const id = await accepted(server.url, inputs, {
      processor: 'sleep',
      settings: JSON.stringify({ ms, steps: 3 }),
    });
    for (const delay of delays) {
      await sleep(delay);
      await kill9(server);
      server = await setup.serve();
    }
    await assertReadable(server.url, id, { inputs });
  });
}

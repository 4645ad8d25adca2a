/**
 * Failpoints: named places in the code where a test can make the process die as a power cut
 * or `kill -9` would, at an exact moment no timer can hit (as etcd's gofail and TiKV's
 * fail-rs do). `FILEMILL_FAILPOINTS` lists the points to arm, comma-separated; `name` kills
 * the process (SIGKILL, so nothing is flushed or cleaned up) the first time it is reached,
 * `name@N` the Nth time. Unset — as in every real deployment — a failpoint costs one Set
 * lookup and does nothing. The fault-injection suite arms them
 * (test/integration/faults-failpoints.test.ts); they are not a setting for operators.
 *
 * The points, where they are and what has happened when they fire:
 * - `upload.before-commit` — BatchService.submit: every file stored and synced, the batch
 *   not yet committed (the upload is an orphan, swept at the next start).
 * - `upload.after-commit` — BatchService.submit: the batch committed, the `202` not sent.
 * - `file.complete.before-commit` — completeFile: the run ended and its output is stored;
 *   nothing of the ending is committed (the file is still `running` under its lease).
 * - `file.complete.after-commit` — completeFile: the ending and its events are committed,
 *   not yet published to live streams.
 * - `retry.after-commit` — BatchService.retry: the files are queued again and the retry
 *   logged, the queue not yet told.
 * - `retention.between-deletes` — BatchService.sweepExpired: an expired batch's stored files
 *   are deleted (first, so a full disk has room for the rows' delete), its rows not yet.
 */

/** Every failpoint there is; arming another name is refused at start-up. */
export const FAILPOINTS = [
  'upload.before-commit',
  'upload.after-commit',
  'file.complete.before-commit',
  'file.complete.after-commit',
  'retry.after-commit',
  'retention.between-deletes',
] as const;

export type Failpoint = (typeof FAILPOINTS)[number];

/** Armed points → the hit that fires (1 = the first). */
const armed = parseFailpoints(process.env.FILEMILL_FAILPOINTS ?? '');
const hits = new Map<Failpoint, number>();

/** Kills this process with SIGKILL when `name` is armed and reached for the chosen time. */
export function failpoint(name: Failpoint): void {
  const at = armed.get(name);
  if (at === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit === at) process.kill(process.pid, 'SIGKILL');
}

/**
 * `a,b@3` → { a: 1, b: 3 }.
 * @throws Error naming an unknown point or a bad count, so a typo in a test cannot arm nothing.
 */
export function parseFailpoints(spec: string): Map<Failpoint, number> {
  const points = new Map<Failpoint, number>();
  for (const term of spec.split(',').map((t) => t.trim())) {
    if (term === '') continue;
    const [name = '', count = '1'] = term.split('@');
    if (!(FAILPOINTS as readonly string[]).includes(name)) {
      throw new Error(`FILEMILL_FAILPOINTS: no failpoint "${name}" (known: ${FAILPOINTS.join(', ')})`);
    }
    const at = Number(count);
    if (!Number.isInteger(at) || at < 1) {
      throw new Error(`FILEMILL_FAILPOINTS: "${term}" needs a whole count from 1 after @`);
    }
    points.set(name as Failpoint, at);
  }
  return points;
}

/**
 * Heals data folders written by versions that stored impossible times: their start-up
 * recovery on SQLite recorded `Number.MAX_SAFE_INTEGER` as "now" — as the `at` of the events
 * it logged (with an `etaMs` near 10¹⁷) and as the `finished_at` of the files and batches it
 * ended. Those rows broke every stream, list and report that met them, and retention never
 * removed the batches.
 *
 * Each damaged time becomes the latest plausible time known for its batch (an event takes
 * the time of the event before it, so the log stays in order); an absurd `etaMs` becomes
 * unknown. Damaged rows are rare, so they are mended one by one. The tables are described
 * here as this migration knows them, not by the current schema, which may move on.
 */
import type { Kysely } from 'kysely';
import { EARLIEST_TIME, LATEST_TIME, isPlausibleTime } from '../../core/time.js';

interface RepairDatabase {
  batches: { id: string; created_at: number; started_at: number | null; finished_at: number | null };
  batch_files: {
    batch_id: string;
    idx: number;
    started_at: number | null;
    finished_at: number | null;
    lease_expires_at: number | null;
    not_before: number | null;
  };
  batch_events: { batch_id: string; seq: number; at: number; payload: string };
}

type Db = Kysely<RepairDatabase>;

const FILE_TIMES = ['started_at', 'finished_at', 'lease_expires_at', 'not_before'] as const;
const BATCH_TIMES = ['created_at', 'started_at', 'finished_at'] as const;
/** An estimate of what remains can be long, but not longer than the whole plausible window. */
const MAX_ETA_MS = LATEST_TIME - EARLIEST_TIME;

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Db;
  for (const batchId of await damagedBatches(db)) await repairBatch(db, batchId);
}

/** Ids of the batches with a damaged time in any of their rows. */
async function damagedBatches(db: Db): Promise<Set<string>> {
  const ids = new Set<string>();
  const outside = <C extends string>(column: C) =>
    [
      [column, '<', EARLIEST_TIME],
      [column, '>=', LATEST_TIME],
    ] as const;
  for (const column of BATCH_TIMES) {
    for (const [c, op, bound] of outside(column)) {
      const rows = await db.selectFrom('batches').select('id').where(c, op, bound).execute();
      for (const row of rows) ids.add(row.id);
    }
  }
  for (const column of FILE_TIMES) {
    for (const [c, op, bound] of outside(column)) {
      const rows = await db
        .selectFrom('batch_files')
        .select('batch_id')
        .distinct()
        .where(c, op, bound)
        .execute();
      for (const row of rows) ids.add(row.batch_id);
    }
  }
  for (const [c, op, bound] of outside('at')) {
    const rows = await db
      .selectFrom('batch_events')
      .select('batch_id')
      .distinct()
      .where(c, op, bound)
      .execute();
    for (const row of rows) ids.add(row.batch_id);
  }
  return ids;
}

async function repairBatch(db: Db, batchId: string): Promise<void> {
  const latest = await latestPlausibleTime(db, batchId);
  await repairEvents(db, batchId, latest);

  const files = await db.selectFrom('batch_files').selectAll().where('batch_id', '=', batchId).execute();
  for (const file of files) {
    const mended = mendTimes(file, FILE_TIMES, latest);
    if (mended === null) continue;
    await db
      .updateTable('batch_files')
      .set(mended)
      .where('batch_id', '=', batchId)
      .where('idx', '=', file.idx)
      .execute();
  }

  const batch = await db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
  if (batch === undefined) return;
  const mended = mendTimes(batch, BATCH_TIMES, latest);
  if (mended !== null) await db.updateTable('batches').set(mended).where('id', '=', batchId).execute();
}

/** The columns of `row` among `columns` whose time is damaged, each set to `latest`; null if none. */
function mendTimes<C extends string>(
  row: { [K in C]: number | null },
  columns: readonly C[],
  latest: number,
): Partial<Record<C, number>> | null {
  const mended: Partial<Record<C, number>> = {};
  for (const column of columns) {
    const value = row[column];
    if (value !== null && !isPlausibleTime(Number(value))) mended[column] = latest;
  }
  return Object.keys(mended).length === 0 ? null : mended;
}

/**
 * Events with a damaged `at` take the time of the last plausible event before them (else
 * `latest`); an `etaMs` past the plausible window — computed from such a time — becomes null.
 */
async function repairEvents(db: Db, batchId: string, latest: number): Promise<void> {
  const events = await db
    .selectFrom('batch_events')
    .select(['seq', 'at', 'payload'])
    .where('batch_id', '=', batchId)
    .orderBy('seq')
    .execute();
  let previous: number | null = null;
  for (const event of events) {
    const at = Number(event.at);
    const goodAt = isPlausibleTime(at);
    const payload = JSON.parse(event.payload) as { etaMs?: unknown };
    const eta = payload.etaMs;
    const badEta = typeof eta === 'number' && !(eta >= 0 && eta <= MAX_ETA_MS);
    if (!goodAt || badEta) {
      // An estimate made at a damaged time is as damaged as the time.
      if ('etaMs' in payload) payload.etaMs = null;
      await db
        .updateTable('batch_events')
        .set({ at: goodAt ? at : (previous ?? latest), payload: JSON.stringify(payload) })
        .where('batch_id', '=', batchId)
        .where('seq', '=', event.seq)
        .execute();
    }
    if (goodAt) previous = at;
  }
}

/** The latest plausible time any row of the batch records; its creation time at worst. */
async function latestPlausibleTime(db: Db, batchId: string): Promise<number> {
  const candidates: number[] = [];
  const batch = await db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
  if (batch !== undefined) candidates.push(...BATCH_TIMES.map((c) => Number(batch[c])));
  const files = await db
    .selectFrom('batch_files')
    .select(['started_at', 'finished_at'])
    .where('batch_id', '=', batchId)
    .execute();
  for (const file of files) candidates.push(Number(file.started_at), Number(file.finished_at));
  const event = await db
    .selectFrom('batch_events')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('batch_id', '=', batchId)
    .where('at', '>=', EARLIEST_TIME)
    .where('at', '<', LATEST_TIME)
    .executeTakeFirst();
  if (event?.at !== null && event?.at !== undefined) candidates.push(Number(event.at));
  const plausible = candidates.filter((t) => isPlausibleTime(t));
  // A batch with no plausible time at all (none seen in practice): the time of the repair.
  return plausible.length === 0 ? Date.now() : Math.max(...plausible);
}

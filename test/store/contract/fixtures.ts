/**
 * Shared helpers of the MetadataStore behaviour suite: a fresh store per test, batches made
 * to order, and the invariant every test re-checks — the batch counters agree with the
 * file rows and add up to the batch's file count.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import type { BatchEvent, EventType } from '../../../src/core/events.js';
import { newBatchId } from '../../../src/core/ids.js';
import { emptyCounts, type Batch, type Counts } from '../../../src/core/model.js';
import type {
  ApiKeyStore,
  FileOutcome,
  LeasedFile,
  MetadataStore,
  NewBatch,
  NewFile,
  RecoverLeasesOptions,
} from '../../../src/core/ports.js';

/** A store under test: both ports its adapters implement on the one database. */
export type ContractStore = MetadataStore & ApiKeyStore;

/** Makes a new, migrated store on an empty database. */
export type StoreFactory = () => Promise<ContractStore>;

/** An arbitrary fixed time (ms): the store must take time only from its arguments. */
export const T0 = 1_700_000_000_000;
export const LEASE_MS = 30_000;

/** A periodic lease recovery at `now`: leases expired by then are dead, and it happens then. */
export function recoverAt(now: number, maxAttempts: number): RecoverLeasesOptions {
  return { expiredBefore: now, now, maxAttempts };
}

/** Registers a fresh store for each test of the enclosing `describe`; returns its getter. */
export function useStore(factory: StoreFactory): () => ContractStore {
  let store: ContractStore | undefined;
  beforeEach(async () => {
    store = await factory();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return () => {
    assert.ok(store, 'store not open');
    return store;
  };
}

export interface BatchSpec {
  createdAt?: number;
  /** How many files; default 3. */
  files?: number;
  /** Indices refused at submission (`UNSUPPORTED_TYPE`). */
  refused?: number[];
  owner?: string | null;
  settings?: Record<string, unknown>;
}

export function makeBatch(spec: BatchSpec = {}): NewBatch {
  const createdAt = spec.createdAt ?? T0;
  const files: NewFile[] = [];
  for (let index = 0; index < (spec.files ?? 3); index++) {
    const refused = spec.refused?.includes(index) ?? false;
    files.push({
      index,
      name: `trip/day${index}/photo-${index}.jpg`,
      contentType: refused ? null : 'image/jpeg',
      inputBytes: 1000 + index,
      outputName: `trip/day${index}/photo-${index}.webp`,
      status: refused ? 'failed' : 'queued',
      error: refused
        ? { code: 'UNSUPPORTED_TYPE', message: 'The processor does not accept this file.' }
        : null,
    });
  }
  return {
    id: newBatchId(createdAt),
    processor: 'image',
    preset: 'web',
    settings: spec.settings ?? { format: 'webp', quality: 80, resize: { width: 1600 } },
    tokenHash: 'a'.repeat(64),
    owner: spec.owner ?? null,
    createdAt,
    files,
  };
}

export async function claim(store: MetadataStore, now: number, owner = 'runner-1'): Promise<LeasedFile> {
  const leased = await store.claimNextFile({ owner, node: 'node-a', leaseMs: LEASE_MS, now });
  assert.ok(leased, 'expected a runnable file');
  return leased;
}

export function succeeded(outputBytes = 500): FileOutcome {
  return {
    kind: 'succeeded',
    outputBytes,
    outputType: 'image/webp',
    durationMs: 120,
    cpuMs: 95,
    details: { width: 1600 },
  };
}

export function failed(): FileOutcome {
  return {
    kind: 'failed',
    error: { code: 'CORRUPT_INPUT', message: 'The file is damaged.' },
    durationMs: 40,
    cpuMs: 30,
    details: { stage: 'decode' },
  };
}

/** Claims the next file and ends its run with `outcome`; returns the file's index. */
export async function runNext(store: MetadataStore, outcome: FileOutcome, now: number): Promise<number> {
  const leased = await claim(store, now);
  const done = await store.completeFile(
    leased.file.batchId,
    leased.file.index,
    leased.leaseOwner,
    outcome,
    now + 1,
  );
  assert.equal(done, true);
  return leased.file.index;
}

export async function getBatch(store: MetadataStore, id: string): Promise<Batch> {
  const batch = await store.getBatch(id);
  assert.ok(batch, `batch ${id} should exist`);
  return batch;
}

/** Asserts the counters equal a count of the file rows, sum to totalFiles, and returns the batch. */
export async function consistentBatch(store: MetadataStore, id: string): Promise<Batch> {
  const batch = await getBatch(store, id);
  const tally: Counts = emptyCounts();
  for (const file of await store.allFiles(id)) tally[file.status] += 1;
  assert.deepEqual(batch.counts, tally, 'counters follow the file rows');
  const sum = Object.values(batch.counts).reduce((a, b) => a + b, 0);
  assert.equal(sum, batch.totalFiles, 'counters add up to totalFiles');
  return batch;
}

export function counts(partial: Partial<Counts>): Counts {
  return { ...emptyCounts(), ...partial };
}

/** The batch's whole event log, in order. */
export function eventLog(store: MetadataStore, id: string): Promise<BatchEvent[]> {
  return store.listEvents(id, 0, 10_000);
}

export function typesOf(events: readonly BatchEvent[]): EventType[] {
  return events.map((e) => e.type);
}

/** Asserts the events are numbered 1, 2, 3, … with no gap and no repeat. */
export function assertNumbered(events: readonly BatchEvent[]): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
  );
}

/**
 * Runs half a batch with one store, closes it, and the rest with a second one that `open`
 * makes on the same database: the log must come back whole and go on numbering from there.
 */
export async function assertLogSurvivesReopen(open: () => Promise<MetadataStore>): Promise<void> {
  const input = makeBatch({ files: 2 });
  const first = await open();
  await first.createBatch(input);
  await runNext(first, succeeded(), T0 + 10);
  const before = await eventLog(first, input.id);
  await first.close();
  const second = await open();
  try {
    assert.deepEqual(await eventLog(second, input.id), before);
    await runNext(second, succeeded(), T0 + 20);
    const events = await eventLog(second, input.id);
    assertNumbered(events);
    assert.deepEqual(typesOf(events.slice(before.length)), [
      'file.started',
      'file.succeeded',
      'batch.completed',
    ]);
  } finally {
    await second.close();
  }
}

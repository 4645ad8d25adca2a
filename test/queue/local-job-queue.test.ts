/**
 * Runs the JobQueue behaviour suite on the local queue (the store's files table), each test
 * on a fresh SQLite file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { LocalJobQueue } from '../../src/queue/local/local-job-queue.js';
import { createSqliteMetadataStore } from '../../src/store/sqlite-metadata-store.js';
import { describeJobQueue } from './job-queue.contract.js';

const LEASE_MS = 1000;
let dir = '';
let opened = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'filemill-queue-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeJobQueue('local', async () => {
  opened += 1;
  const store = createSqliteMetadataStore({ path: join(dir, `queue-${opened}.db`) });
  await store.migrate();
  return {
    store,
    leaseMs: LEASE_MS,
    newQueue: ({ concurrency, node, onError }) =>
      new LocalJobQueue(store, {
        concurrency,
        node,
        onError,
        leaseMs: LEASE_MS,
        maxAttempts: 3,
        pollMs: 100,
      }),
    close: () => store.close(),
  };
});

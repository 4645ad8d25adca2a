/**
 * A BullMQ worker node in its own process, for the test that kills one: it takes files from
 * the queue and holds every run until it is killed, printing `running <batchId> <index>` when
 * a run starts. Configured by the environment the test passes.
 */
import { BullmqJobQueue } from '../../../src/queue/bullmq/bullmq-job-queue.js';
import { createPostgresMetadataStore } from '../../../src/store/postgres-metadata-store.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const store = createPostgresMetadataStore({ url: env('TEST_DATABASE_URL'), schema: env('TEST_SCHEMA') });
const queue = new BullmqJobQueue(store, {
  redisUrl: env('TEST_REDIS_URL'),
  prefix: env('TEST_PREFIX'),
  concurrency: 1,
  node: 'node-dead',
  leaseMs: Number(env('TEST_LEASE_MS')),
  maxAttempts: 3,
  stalledIntervalMs: 500,
  sweepMs: 500,
  onError: (error) => console.error(error),
});
queue.start((leased) => {
  console.log(`running ${leased.file.batchId} ${leased.file.index}`);
  return new Promise<null>(() => undefined);
});

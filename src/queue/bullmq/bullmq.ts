/**
 * BullMQ, loaded the first time a BullMQ queue is made rather than when this code is
 * imported: with ioredis (loaded the same way, events/redis/ioredis.ts) it takes ~0.5 s to
 * load, which a server on the local queue (the default, and every `filemill submit` without
 * a server) should not pay. BullMQ's package entry is its CommonJS build, so this require
 * returns the very module an `import` would: classes such as `DelayedError` are the ones
 * BullMQ itself checks for.
 */
import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

const require = createRequire(import.meta.url);

/** The `bullmq` module; the first call loads it. */
export function bullmq(): typeof BullMQ {
  return require('bullmq') as typeof BullMQ;
}

/**
 * ioredis, loaded the first time a Redis client is made rather than when this code is
 * imported: the module takes ~100 ms to load, which a server or a `filemill submit` without
 * Redis (the default) should not pay. ioredis is CommonJS, so this require returns the very
 * module an `import` would.
 */
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';

const require = createRequire(import.meta.url);

/** ioredis's `Redis` client class; the first call loads the module. */
export function redisClient(): typeof IORedis.Redis {
  return (require('ioredis') as typeof IORedis).Redis;
}

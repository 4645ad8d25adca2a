/**
 * Picks the event bus: Redis pub/sub when a Redis URL is given (API and worker nodes on
 * several machines), else in-process (one process serves and works, nothing to install).
 */
import type { EventBus } from '../core/ports.js';
import { LocalEventBus } from './local/local-event-bus.js';
import { RedisEventBus } from './redis/redis-event-bus.js';

export { LocalEventBus } from './local/local-event-bus.js';
export { DEFAULT_REDIS_PREFIX, RedisEventBus, type RedisEventBusOptions } from './redis/redis-event-bus.js';

export interface CreateEventBusOptions {
  /** `redis://…` or `rediss://…` selects Redis; unset or empty, the in-process bus. */
  redisUrl?: string;
  /** Channel prefix on Redis (see `RedisEventBusOptions.prefix`). @defaultValue `'filemill:'` */
  prefix?: string;
  /** Problems no caller can hear (Redis only; see `RedisEventBusOptions.onError`). */
  onError?: (error: Error) => void;
}

/**
 * Makes the configured bus. Connections to Redis open on first use.
 * @throws Error for a URL of another kind (a typo must not fall back to one process).
 */
export function createEventBus(opts: CreateEventBusOptions = {}): EventBus {
  const url = opts.redisUrl;
  if (url === undefined || url === '') return new LocalEventBus();
  if (!/^rediss?:\/\//i.test(url)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme';
    throw new Error(`the Redis URL must start with redis:// or rediss://, not ${scheme}`);
  }
  return new RedisEventBus({ url, prefix: opts.prefix, onError: opts.onError });
}

/** Whether Redis answers, checked once at start-up so that a wrong URL stops it with one line. */
import { redisClient } from './ioredis.js';

/** Null when Redis at `url` answers PING within `timeoutMs`, else why not. */
export async function redisProblem(url: string, timeoutMs = 3000): Promise<string | null> {
  const Redis = redisClient();
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The connection's own error says more ("connect ECONNREFUSED …") than the rejected
  // connect ("Connection is closed").
  let cause: Error | null = null;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    const reason = cause ?? error;
    return reason instanceof Error ? reason.message || reason.name : String(reason);
  } finally {
    client.disconnect();
  }
}

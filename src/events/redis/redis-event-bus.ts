/**
 * `EventBus` across processes and machines over Redis pub/sub (ioredis, the client BullMQ
 * uses): a worker node publishes the events it committed, every API node relays those of
 * the batches its clients follow. Only a fast path — the event log in the store is the
 * truth. Whatever Redis does not deliver (a restart, a dropped connection, a node that
 * subscribed a moment late) is read from the log by the follower, which fills every gap in
 * `seq` there (service/follow-events.ts).
 *
 * Channels: one per batch, `<prefix>events:<batchId>`. An API node subscribes only to the
 * batches it has clients for (SUBSCRIBE on the first listener, UNSUBSCRIBE after the last),
 * so Redis routes and a node never receives, parses and drops the traffic of every other
 * batch, as it would on one shared channel; a worker node publishes to any channel without
 * subscribing. Plain channels, not a pattern: PSUBSCRIBE makes every PUBLISH on the server
 * match every pattern, and a pattern would again bring a node every batch.
 *
 * Two connections, opened on first use: one publishes, one subscribes (a connection in
 * subscriber mode cannot publish). Own messages come back through Redis like anyone's, so
 * a node's subscribers see one order whoever published. ioredis reconnects by itself; the bus
 * then subscribes again and, once Redis confirms, calls each subscriber's `onResync`, as it
 * does when a first subscription is confirmed: messages published before are lost to this
 * node, but their events are in the log, which the subscriber reads from its last `seq`.
 * While Redis is away, publishes wait in ioredis's offline queue and fail to `onError` after
 * its retry limit (`maxRetriesPerRequest`, 20 reconnect attempts); one delivered late is
 * harmless, since a follower skips a `seq` it has sent.
 */
import type { Redis } from 'ioredis';
import { redisClient } from './ioredis.js';
import type { BatchEvent } from '../../core/events.js';
import type { EventBus } from '../../core/ports.js';
import { decodeMessage, encodeMessage } from './event-message.js';

type Listener = (event: BatchEvent) => void;

/** One `subscribe` call. */
interface Follow {
  listener: Listener;
  onResync?: () => void;
}

/** A batch this node follows: its subscribers, and SUBSCRIBE commands not yet answered. */
interface Followed {
  follows: Set<Follow>;
  pending: number;
}

export interface RedisEventBusOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  /**
   * Put before every channel name, so that deployments (and test runs) can share one Redis
   * without hearing each other. Every node of one deployment must use the same prefix.
   * @defaultValue `'filemill:'`
   */
  prefix?: string;
  /**
   * Told what went wrong where no caller can hear it: a failed publish, a lost connection
   * (once per reconnect attempt), a malformed message dropped, a listener that threw.
   * Nothing here stops the bus. @defaultValue ignores them
   */
  onError?: (error: Error) => void;
}

export const DEFAULT_REDIS_PREFIX = 'filemill:';

export class RedisEventBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channelPrefix: string;
  private readonly onError: (error: Error) => void;
  private readonly followed = new Map<string, Followed>();
  private closed = false;

  constructor(opts: RedisEventBusOptions) {
    this.channelPrefix = `${opts.prefix ?? DEFAULT_REDIS_PREFIX}events:`;
    // Named so that CLIENT LIST shows whose connections these are.
    const name = `${opts.prefix ?? DEFAULT_REDIS_PREFIX}events`.replace(/[^\w.:-]/g, '_');
    this.onError = opts.onError ?? (() => undefined);
    // lazyConnect: a worker node never subscribes, so it never opens the second connection.
    const Redis = redisClient();
    this.publisher = new Redis(opts.url, { lazyConnect: true, connectionName: `${name}-pub` });
    // autoResubscribe off: the bus subscribes again itself, to know when to call onResync.
    this.subscriber = new Redis(opts.url, {
      lazyConnect: true,
      connectionName: `${name}-sub`,
      autoResubscribe: false,
    });
    for (const client of [this.publisher, this.subscriber]) {
      // Without a listener ioredis prints every connection error itself.
      client.on('error', (error: Error) => this.report(error));
    }
    this.subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
    // After a reconnect; on the first connect every batch still has its SUBSCRIBE pending.
    this.subscriber.on('ready', () => {
      for (const [batchId, followed] of this.followed)
        if (followed.pending === 0) this.listen(batchId, followed);
    });
  }

  /** Fire and forget: the caller has committed and must not wait on Redis. */
  publish(events: BatchEvent[]): void {
    if (this.closed) return;
    const byBatch = new Map<string, BatchEvent[]>();
    for (const event of events) {
      const list = byBatch.get(event.batchId);
      if (list) list.push(event);
      else byBatch.set(event.batchId, [event]);
    }
    // One message per batch, in order; one connection keeps the order of the messages.
    for (const [batchId, list] of byBatch) {
      this.publisher.publish(this.channel(batchId), encodeMessage(list)).catch((error: unknown) => {
        this.report(error, `publishing ${list.length} event(s) of batch ${batchId}`);
      });
    }
  }

  /** Live once Redis confirms the subscription, which `onResync` reports. */
  subscribe(batchId: string, listener: Listener, onResync?: () => void): () => void {
    if (this.closed) return () => undefined;
    let followed = this.followed.get(batchId);
    if (!followed) {
      this.followed.set(batchId, (followed = { follows: new Set(), pending: 0 }));
      this.listen(batchId, followed);
    }
    const { follows } = followed;
    const follow: Follow = { listener, onResync };
    follows.add(follow);
    return () => {
      if (!follows.delete(follow) || follows.size > 0) return;
      // A later subscribe for this batch makes a new entry and a new SUBSCRIBE, sent after this.
      this.followed.delete(batchId);
      if (this.closed) return;
      this.subscriber.unsubscribe(this.channel(batchId)).catch((error: unknown) => {
        this.report(error, `unsubscribing from batch ${batchId}`);
      });
    };
  }

  /** Stops delivery, then quits both connections (waiting for their sockets to close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.followed.clear();
    await Promise.all([shut(this.publisher), shut(this.subscriber)]);
  }

  private channel(batchId: string): string {
    return this.channelPrefix + batchId;
  }

  /** Sends SUBSCRIBE; once answered, the batch's subscribers may have missed events. */
  private listen(batchId: string, followed: Followed): void {
    followed.pending++;
    this.subscriber.subscribe(this.channel(batchId)).then(
      () => {
        followed.pending--;
        // Unsubscribed meanwhile (another entry may follow the batch now, with its own SUBSCRIBE).
        if (this.closed || this.followed.get(batchId) !== followed) return;
        for (const follow of followed.follows) this.call(follow.onResync, batchId);
      },
      (error: unknown) => {
        // Tried again at the next reconnect.
        followed.pending--;
        this.report(error, `subscribing to batch ${batchId}`);
      },
    );
  }

  private deliver(channel: string, message: string): void {
    if (this.closed || !channel.startsWith(this.channelPrefix)) return;
    const batchId = channel.slice(this.channelPrefix.length);
    // A message already on its way when the last listener left.
    const followed = this.followed.get(batchId);
    if (!followed) return;
    const decoded = decodeMessage(batchId, message);
    if (!Array.isArray(decoded)) {
      this.report(new Error(`dropped a message on ${channel}: ${decoded.problem}`));
      return;
    }
    for (const event of decoded) {
      for (const follow of followed.follows) this.call(() => follow.listener(event), batchId);
    }
  }

  /** Calls a subscriber's function: one subscriber's failure is not the others' nor ours. */
  private call(fn: (() => void) | undefined, batchId: string): void {
    try {
      fn?.();
    } catch (error) {
      this.report(error, `a listener of batch ${batchId}`);
    }
  }

  private report(error: unknown, context?: string): void {
    // After close, a command still queued fails with "Connection is closed": not news.
    if (this.closed) return;
    const cause = error instanceof Error ? error : new Error(String(error));
    this.onError(context ? new Error(`redis event bus: ${context}: ${cause.message}`, { cause }) : cause);
  }
}

/**
 * Quits a connection and waits until its socket is closed, so that a closed bus leaves no
 * handle open; one that is not connected (never used, or between reconnects) is dropped.
 */
async function shut(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  await client.quit().catch(() => client.disconnect());
  await ended;
}

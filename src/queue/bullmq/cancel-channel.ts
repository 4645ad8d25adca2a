/**
 * The broadcast that reaches a run on whichever node holds it: a cancel is published on one
 * Redis channel (under the queue's prefix) that every node subscribes to, and the node
 * running one of the named files aborts it. Only a fast path: the store's cancel flag stops
 * the run too, at the runner's next lease renewal, if a message is lost.
 */
import type { Redis } from 'ioredis';
import { redisClient } from '../../events/redis/ioredis.js';

export interface CancelMessage {
  batchId: string;
  indices: number[];
}

export class CancelChannel {
  readonly #subscriber: Redis;
  readonly #publisher: Redis;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onError: (error: unknown) => void,
  ) {
    const Redis = redisClient();
    this.#subscriber = new Redis(url);
    this.#publisher = new Redis(url);
    this.#subscriber.on('error', onError);
    this.#publisher.on('error', onError);
  }

  /** Subscribes; `listener` gets every later message, from any node including this one. */
  async listen(listener: (message: CancelMessage) => void): Promise<void> {
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parse(text);
      if (message) listener(message);
    });
    await this.#subscriber.subscribe(this.channel);
  }

  publish(message: CancelMessage): void {
    this.#publisher.publish(this.channel, JSON.stringify(message)).catch(this.onError);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#subscriber.quit(), this.#publisher.quit()]);
  }

  /** Cuts both connections at once, for a stop that cannot wait for Redis. */
  disconnect(): void {
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }
}

/** The message, or null when it is not one of ours (another version, a stray publish). */
function parse(text: string): CancelMessage | null {
  try {
    const value = JSON.parse(text) as Partial<CancelMessage>;
    if (typeof value.batchId !== 'string' || !Array.isArray(value.indices)) return null;
    const indices = value.indices.filter((i): i is number => Number.isInteger(i));
    return { batchId: value.batchId, indices };
  } catch {
    return null;
  }
}

/**
 * `EventBus` inside one process: the embedded default, where the store that commits events
 * and the HTTP server that streams them share a process.
 */
import type { BatchEvent } from '../../core/events.js';
import type { EventBus } from '../../core/ports.js';

export class LocalEventBus implements EventBus {
  readonly kind = 'local' as const;
  private readonly listeners = new Map<string, Set<(event: BatchEvent) => void>>();

  publish(events: BatchEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners.get(event.batchId) ?? []) {
        try {
          listener(event);
        } catch {
          // One subscriber's failure is not the others' nor the publisher's.
        }
      }
    }
  }

  /** Live at once and never misses an event, so it has no `onResync` to call. */
  subscribe(batchId: string, listener: (event: BatchEvent) => void): () => void {
    let set = this.listeners.get(batchId);
    if (!set) this.listeners.set(batchId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(batchId);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

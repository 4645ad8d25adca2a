/**
 * A batch's events for one client, in order, none lost and none repeated: first what the
 * log holds after `afterSeq`, then live ones from the bus. A live event that arrives past a
 * gap (a missed message, a replay still running) is preceded by what the log holds between;
 * a consumer that falls far behind costs a bounded queue, then reads from the log again, as
 * it does when the bus says it may have missed events (a subscription across the network
 * that became live, or came back after a lost connection) — so a missed last event is not
 * waited for in vain.
 * Ends once the batch is finished and its end event sent (at once for a client resuming
 * after it). SSE and WebSocket both stream from here.
 */
import { BATCH_END_TYPES, type BatchEvent } from '../core/events.js';
import { isFinalBatch } from '../core/model.js';
import type { EventBus, MetadataStore } from '../core/ports.js';

const PAGE = 500;
/** Live events held for a slow consumer before it is sent back to the log. */
const MAX_QUEUED = 2000;

export async function* followEvents(
  store: MetadataStore,
  bus: EventBus,
  batchId: string,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<BatchEvent> {
  let queue: BatchEvent[] = [];
  /** Read the log from `last` before taking from the queue again. */
  let reread = false;
  let wake: (() => void) | null = null;
  // Subscribe before reading the log, so nothing committed in between is missed.
  const unsubscribe = bus.subscribe(
    batchId,
    (event) => {
      if (queue.length >= MAX_QUEUED) {
        queue = [];
        reread = true;
      } else queue.push(event);
      wake?.();
    },
    () => {
      reread = true;
      wake?.();
    },
  );
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  let last = afterSeq;
  try {
    // The replay does not stop at an end event: a retried batch's log goes on after it.
    for await (const event of logAfter(store, batchId, last)) {
      yield event;
      last = event.seq;
    }
    const batch = await store.getBatch(batchId);
    if (!batch) return;
    if (isFinalBatch(batch.status)) {
      // A final status is committed with its end event: whatever came since is in the log.
      for await (const event of logAfter(store, batchId, last)) yield event;
      return;
    }

    while (!signal.aborted) {
      if (reread) {
        reread = false;
        // Whatever is queued was committed before it was published: the log has it.
        queue = [];
        for await (const event of logAfter(store, batchId, last)) {
          yield event;
          last = event.seq;
          if (isEnd(event)) return;
        }
        continue;
      }
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      if (event.seq <= last) continue;
      if (event.seq > last + 1) {
        for await (const missed of logAfter(store, batchId, last, event.seq - 1)) {
          yield missed;
          last = missed.seq;
          if (isEnd(missed)) return;
        }
      }
      yield event;
      last = event.seq;
      if (isEnd(event)) return;
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onAbort);
  }
}

async function* logAfter(
  store: MetadataStore,
  batchId: string,
  after: number,
  upTo = Number.MAX_SAFE_INTEGER,
): AsyncGenerator<BatchEvent> {
  let last = after;
  for (;;) {
    const page = await store.listEvents(batchId, last, Math.min(PAGE, upTo - last));
    for (const event of page) {
      if (event.seq > upTo) return;
      yield event;
      last = event.seq;
    }
    if (page.length === 0 || last >= upTo) return;
  }
}

function isEnd(event: BatchEvent): boolean {
  return BATCH_END_TYPES.includes(event.type);
}

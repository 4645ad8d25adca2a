/**
 * Follows a batch's Server-Sent Events from the CLI: parses the frames and yields each
 * event, resuming by `seq` (Last-Event-ID) when the connection drops before the batch ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_END_TYPES, type WireEvent } from '../core/events.js';
import { isFinalBatch, type BatchStatus } from '../core/model.js';
import { CliError, type ApiClient } from './api-client.js';

export type { WireEvent };

/**
 * The stream is over when it closed after an end event and the batch is still final. An end
 * event alone is not enough: a batch that was retried has an older end event in its log,
 * and a connection that drops just after replaying it must resume, not stop.
 */
async function isOver(client: ApiClient, id: string, last: WireEvent | null, signal?: AbortSignal) {
  if (!last || !BATCH_END_TYPES.includes(last.type)) return false;
  const response = await client.request(`/api/batches/${encodeURIComponent(id)}`, { signal });
  const batch = (await response.json()) as { status: BatchStatus };
  return isFinalBatch(batch.status);
}

/** How long a follow keeps reconnecting with no new event before it gives up. */
const QUIET_LIMIT_MS = 60_000;

/**
 * Yields the batch's events from `after` on until the batch has ended. Any interruption — a
 * dropped connection, a server restarting, a stream refused for now (429) — is retried with
 * back-off, resuming after the last seq, for up to a minute without news.
 */
export async function* followBatch(
  client: ApiClient,
  id: string,
  options: { after?: number; signal?: AbortSignal } = {},
): AsyncGenerator<WireEvent> {
  const { signal } = options;
  let last = options.after ?? 0;
  let lastEvent: WireEvent | null = null;
  let quietSince = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await client.request(`/api/batches/${encodeURIComponent(id)}/events`, {
        headers: { 'last-event-id': String(last) },
        signal,
      });
      for await (const event of sseEvents(response)) {
        last = event.seq;
        lastEvent = event;
        quietSince = Date.now();
        attempt = 0;
        yield event;
      }
      // The server ends the stream after the batch's latest end event; any other end is a
      // dropped connection.
      if (await isOver(client, id, lastEvent, signal)) return;
    } catch (error) {
      if (signal?.aborted || isPermanent(error)) throw error;
      if (Date.now() - quietSince > QUIET_LIMIT_MS) {
        throw error instanceof CliError
          ? error
          : new CliError(`lost the event stream of ${id} (${(error as Error).message})`);
      }
    }
    await sleep(Math.min(5000, 250 * 2 ** attempt), undefined, { signal });
  }
}

/** A refusal that asking again will not change: no such batch, a bad request. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof CliError && error.status !== undefined && error.status < 500 && error.status !== 429
  );
}

/** The events of one SSE response, in order. */
async function* sseEvents(response: Response): AsyncGenerator<WireEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (data) yield JSON.parse(data[1]!) as WireEvent;
    }
  }
}

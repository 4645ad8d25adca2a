/**
 * Follows a batch's Server-Sent Events from the CLI: parses the frames and yields each
 * event, resuming by `seq` (Last-Event-ID) when the connection drops before the batch ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, type ApiClient } from './api-client.js';

export interface WireEvent {
  seq: number;
  type: string;
  batchId: string;
  status: string;
  progress: number;
  etaMs: number | null;
  counts: Record<string, number>;
  file?: {
    index: number;
    name: string;
    status: string;
    progress: number;
    error?: { code: string; message: string };
  };
}

const END = new Set(['batch.completed', 'batch.failed', 'batch.cancelled']);
const FINAL_STATUSES = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);

/**
 * The stream is over when it closed after an end event and the batch is still final. An end
 * event alone is not enough: a batch that was retried has an older end event in its log,
 * and a connection that drops just after replaying it must resume, not stop.
 */
async function isOver(client: ApiClient, id: string, last: WireEvent | null, signal?: AbortSignal) {
  if (!last || !END.has(last.type)) return false;
  const response = await client.request(`/api/batches/${encodeURIComponent(id)}`, { signal });
  const batch = (await response.json()) as { status: string };
  return FINAL_STATUSES.has(batch.status);
}

export async function* followBatch(
  client: ApiClient,
  id: string,
  options: { after?: number; signal?: AbortSignal } = {},
): AsyncGenerator<WireEvent> {
  const { signal } = options;
  let last = options.after ?? 0;
  let lastEvent: WireEvent | null = null;
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await client.request(`/api/batches/${encodeURIComponent(id)}/events`, {
        headers: { 'last-event-id': String(last) },
        signal,
      });
    } catch (error) {
      if (attempt >= 5 || signal?.aborted) throw error;
      await sleep(Math.min(5000, 250 * 2 ** attempt));
      continue;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    const resumedAfter = last;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (!data) continue;
          const event = JSON.parse(data[1]!) as WireEvent;
          last = event.seq;
          lastEvent = event;
          yield event;
        }
      }
      // The server ends the stream after the batch's latest end event; any other end is a
      // dropped connection, resumed after the last seq.
    } catch (error) {
      if (signal?.aborted) throw error;
    }
    if (await isOver(client, id, lastEvent, signal)) return;
    if (last > resumedAfter) attempt = -1;
    else if (attempt >= 5) throw new CliError(`the event stream of ${id} keeps closing without news`);
    else await sleep(Math.min(5000, 250 * 2 ** attempt));
  }
}

/**
 * Follows a batch's Server-Sent Events from the CLI: parses the frames and yields each
 * event, resuming by `seq` (Last-Event-ID) when the connection drops before the batch ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.js';

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

export async function* followBatch(
  client: ApiClient,
  id: string,
  options: { after?: number; signal?: AbortSignal } = {},
): AsyncGenerator<WireEvent> {
  const { signal } = options;
  let last = options.after ?? 0;
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
          yield event;
          if (END.has(event.type)) return;
        }
      }
      // The server ends the stream after the end event; ending earlier means a resumable drop.
    } catch (error) {
      if (signal?.aborted) throw error;
      // A dropped connection: resume after the last seq.
    }
    attempt = 0;
  }
}

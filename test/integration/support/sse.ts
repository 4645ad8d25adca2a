/**
 * A Server-Sent Events client for tests: reads `id:`/`data:` frames from a real stream.
 */
export interface SseEvent {
  id: number;
  data: any;
}

export interface SseRead {
  status: number;
  events: SseEvent[];
  /** True when the server closed the stream itself (not cut short by `until`). */
  ended: boolean;
}

/** Reads events until the server ends the stream or `until` returns true (then disconnects). */
export async function readSse(
  url: string,
  opts: {
    headers?: Record<string, string>;
    until?: (events: SseEvent[]) => boolean;
    timeoutMs?: number;
  } = {},
): Promise<SseRead> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.timeoutMs ?? 30_000);
  const response = await fetch(url, { headers: opts.headers, signal: abort.signal });
  const events: SseEvent[] = [];
  if (response.status !== 200 || !response.body) {
    clearTimeout(timer);
    return { status: response.status, events: [{ id: 0, data: await response.json() }], ended: true };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = true;
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (\d+)$/m.exec(frame);
        const data = /^data: (.*)$/m.exec(frame);
        if (id && data) events.push({ id: Number(id[1]), data: JSON.parse(data[1]!) });
      }
      if (opts.until?.(events)) {
        ended = false;
        abort.abort();
        break;
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    ended = false;
  } finally {
    clearTimeout(timer);
  }
  return { status: response.status, events, ended };
}

/**
 * Reads a batch's stream to its end event as a browser's EventSource would: a stream that
 * breaks or ends early, or a server that refuses for a while, is asked again with
 * `Last-Event-ID` after a pause. Every event read, in order.
 */
export async function followSseToEnd(
  url: string,
  isEnd: (event: SseEvent) => boolean,
  timeoutMs = 120_000,
): Promise<SseEvent[]> {
  const deadline = Date.now() + timeoutMs;
  const events: SseEvent[] = [];
  for (;;) {
    const last = events.at(-1);
    try {
      const read = await readSse(url, {
        ...(last !== undefined && { headers: { 'last-event-id': String(last.id) } }),
        timeoutMs: deadline - Date.now(),
      });
      if (read.status === 200) events.push(...read.events);
    } catch {
      // A dropped connection, a server not answering: ask again, as EventSource does.
    }
    const newest = events.at(-1);
    if (newest !== undefined && isEnd(newest)) return events;
    if (Date.now() > deadline) throw new Error(`the stream had not ended after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

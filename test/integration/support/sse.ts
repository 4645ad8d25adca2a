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

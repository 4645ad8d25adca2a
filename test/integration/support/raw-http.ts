/**
 * HTTP/1.1 by hand over a TCP socket, for what a well-behaved client never sends: a body cut
 * short, a Content-Length that promises more than comes, a header block too large. The
 * answer, if any, is parsed from what the server wrote before the connection closed.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The status, or null when the connection closed with no answer. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequestOptions {
  /** Half-close the connection once `body` is written (the client stops sending). */
  endAfterBody?: boolean;
}

/** Opens a connection to `url`'s host and port. */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Writes `head` (the request line and headers, without the blank line) and `body`, then reads
 * until the server closes the connection. Send `connection: close` for an answer that ends.
 */
export async function rawRequest(
  url: string,
  head: string,
  body: Buffer = Buffer.alloc(0),
  opts: RawRequestOptions = {},
): Promise<RawAnswer> {
  const socket = await openSocket(url);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    // A reset after the answer is still an answer: what was read is kept.
    socket.on('error', () => undefined);
  });
  socket.write(`${head}\r\n\r\n`);
  if (body.length > 0) socket.write(body);
  if (opts.endAfterBody) socket.end();
  await closed;
  return parseAnswer(Buffer.concat(received).toString('latin1'));
}

/** The first response in `text` (status line, headers, Content-Length body). */
export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  if (end < 0 || !match) return { status: null, headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? text.length - end - 4);
  return { status: Number(match[1]), headers, body: text.slice(end + 4, end + 4 + length) };
}

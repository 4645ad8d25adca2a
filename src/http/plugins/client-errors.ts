/**
 * What Node's HTTP parser refuses before Fastify has a request (headers too large, an address
 * too long, bytes that are not HTTP, a request that did not arrive in time) is answered in the
 * API's error envelope, never with the URL, then the connection is closed: Fastify's
 * `clientErrorHandler`.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { errorBody } from './errors.js';

interface ParserError extends Error {
  code?: string;
  /** The bytes the parser had when it gave up (a Buffer; typed loosely by Fastify). */
  rawPacket?: unknown;
}

/**
 * The longest address taken, in bytes (as common servers and proxies: 8 KiB). Node's parser
 * takes up to its header limit (16 KiB) for the request line and headers together; what it
 * takes past this is refused by `refuseLongUrl`, so every address over it is one 414.
 */
export const MAX_URL_BYTES = 8192;
const URL_MESSAGE = `The address is longer than ${MAX_URL_BYTES} bytes.`;

/** An `onRequest` hook: 414 for an address the parser took but that is over `MAX_URL_BYTES`. */
export async function refuseLongUrl(request: FastifyRequest): Promise<void> {
  if (Buffer.byteLength(request.raw.url ?? '') > MAX_URL_BYTES) {
    throw new AppError('URI_TOO_LONG', URL_MESSAGE);
  }
}

/** The length of the request line at the start of `raw` (all of it when it does not end there). */
function requestLineBytes(raw: unknown): number {
  if (!Buffer.isBuffer(raw) || !/^[A-Z]+ /.test(raw.subarray(0, 16).toString('latin1'))) return 0;
  const end = raw.indexOf('\r\n');
  return end < 0 ? raw.length : end;
}

/** The answer to a parser error, or null when there is nobody to answer. */
export function clientErrorAnswer(error: ParserError): { code: ErrorCode; message: string } | null {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'HPE_HEADER_OVERFLOW':
      // The request line counts toward the header limit: when it is itself over the address
      // limit, the address is what is too long. (Seen only when the chunk the parser failed on
      // starts with the request line, as a long address sent in one piece does; else 431.)
      return requestLineBytes(error.rawPacket) > MAX_URL_BYTES
        ? { code: 'URI_TOO_LONG', message: URL_MESSAGE }
        : { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time; send it again.' };
    default:
      return { code: 'INVALID_REQUEST', message: 'The request is not valid HTTP.' };
  }
}

/** Fastify's `clientErrorHandler`, run with the Fastify instance as `this`. */
export function handleClientError(
  this: { log: FastifyBaseLogger },
  error: ParserError,
  socket: Socket,
): void {
  const answer = socket.destroyed ? null : clientErrorAnswer(error);
  this.log.debug({ err: error }, 'refused before a request was read');
  // A response already begun on this socket cannot be followed by another.
  const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (answer && socket.writable && !busy) {
    const status = ERROR_CODES[answer.code].status;
    const body = JSON.stringify(errorBody(answer.code, answer.message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

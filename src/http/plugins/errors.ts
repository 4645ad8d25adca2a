/**
 * One error handler for the whole API: every error leaves as
 * `{ error: { code, message, details? } }` with its status. An error we did not make
 * (a bug, a driver failure) is logged in full and leaves as a bare `INTERNAL`: no stack,
 * no server path reaches a client. A service that cannot be reached (the database away for a
 * moment) is `NOT_READY` with `Retry-After`: the request may succeed if tried again.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { isUnreachable } from '../../core/unreachable.js';

/** What a client refused for an unreachable service is told to wait before trying again. */
const RETRY_AFTER_S = 5;

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: details ? { code, message, details } : { code, message } };
}

/**
 * Fastify's and @fastify/multipart's own error codes, in our terms. A `message` replaces the
 * framework's, which for some of them quotes the URL.
 */
const FRAMEWORK_CODES: Record<string, { code: ErrorCode; message?: string }> = {
  FST_ERR_VALIDATION: { code: 'INVALID_REQUEST' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'This route takes a JSON body (application/json), or multipart/form-data for an upload.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_REQUEST' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_REQUEST' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'REQUEST_TOO_LARGE',
    message: 'The request body is larger than this route takes.',
  },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', message: 'A part of the address is too long.' },
  FST_ERR_BAD_URL: { code: 'INVALID_REQUEST', message: 'The address is not validly encoded.' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Send the files as multipart/form-data.',
  },
  FST_INVALID_JSON_FIELD_ERROR: {
    code: 'INVALID_REQUEST',
    message: 'A field declared as application/json is not valid JSON.',
  },
  FST_MP_PREMATURE_CLOSE: { code: 'INVALID_REQUEST', message: 'The request was cut short.' },
  FST_PARTS_LIMIT: { code: 'TOO_MANY_FILES' },
  FST_FILES_LIMIT: { code: 'TOO_MANY_FILES' },
  FST_FIELDS_LIMIT: { code: 'INVALID_REQUEST' },
  FST_REQ_FILE_TOO_LARGE: { code: 'FILE_TOO_LARGE' },
  FST_PROTO_VIOLATION: { code: 'INVALID_REQUEST' },
};

export function toClientError(error: unknown): { status: number; body: ReturnType<typeof errorBody> } | null {
  if (error instanceof AppError) {
    return { status: error.status, body: errorBody(error.code, error.message, error.details) };
  }
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (fastifyError?.code === 'FST_ERR_VALIDATION' && fastifyError.validationContext === 'params') {
    // An id or index of the wrong shape names nothing there is, exactly as an unknown one.
    return { status: 404, body: errorBody('NOT_FOUND', 'There is no batch or file with that id.') };
  }
  const known = typeof fastifyError?.code === 'string' ? FRAMEWORK_CODES[fastifyError.code] : undefined;
  if (known) {
    const status = known.code === 'INVALID_REQUEST' ? 400 : ERROR_CODES[known.code].status;
    return { status, body: errorBody(known.code, known.message ?? sentence(fastifyError.message)) };
  }
  if (fastifyError?.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      status: fastifyError.statusCode,
      body: errorBody('INVALID_REQUEST', sentence(fastifyError.message)),
    };
  }
  return null;
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before a route runs (a parameter too
 * long, a bad percent-encoding), in the envelope, without the URL its own messages quote.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = toClientError(error) ?? {
    status: 400,
    body: errorBody('INVALID_REQUEST', 'The address is not valid.'),
  };
  void reply.status(known.status).send(known.body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toClientError(error);
    if (known) {
      // Refused with the body unread (too large, no space to store it): the rest of it must not
      // be read as the next request on this connection.
      if (known.status === 413 || known.status === 507) reply.header('connection', 'close');
      // RFC 6750: a 401 names the scheme the client should use.
      if (known.status === 401) reply.header('www-authenticate', 'Bearer realm="filemill"');
      const retryAfter = known.body.error.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(known.status).send(known.body);
    }
    if (request.raw.socket?.destroyed) {
      // The client went away mid-request (its upload fails with ECONNRESET, too): nobody to
      // answer, and neither a bug nor an outage.
      request.log.info({ err: error }, 'the client went away');
      return reply.status(400).send(errorBody('INVALID_REQUEST', 'The request was cut short.'));
    }
    if (isUnreachable(error)) {
      // Not a bug: the database (or another service) is away. Clients may come back shortly.
      request.log.warn({ err: error }, 'a service is not reachable');
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send(errorBody('NOT_READY', 'A service the server depends on is not reachable; try again shortly.'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply
      .status(500)
      .send(errorBody('INTERNAL', 'An unexpected error occurred; the server log has the details.'));
  });
  app.setNotFoundHandler((request, reply) => {
    // A browser asking for an address outside the API: the page, which says it knows no such
    // address and offers the way back, rather than a JSON error (routes/web.ts).
    if (
      app.notFoundPage &&
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      wantsHtml(request)
    ) {
      return app.notFoundPage(reply);
    }
    return reply
      .status(404)
      .send(errorBody('NOT_FOUND', `There is no ${request.method} route at this address.`));
  });
}

/** Whether the client asks for HTML (a browser navigating), not whatever comes (`*\/*`, curl). */
function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/** Framework messages sometimes start lower-case ("body/limit must be …"): make them read as a sentence. */
function sentence(message: string): string {
  const text = message.replace(/\/(?:[\w.-]+\/)+[\w.-]+/g, '<path>');
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
}

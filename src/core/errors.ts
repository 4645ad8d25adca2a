/**
 * Every error code filemill can return, in one registry (see shared/API.md), and the one
 * `AppError` class that carries them. `core` knows nothing of HTTP: the status is data the
 * HTTP error handler reads.
 */

export const ERROR_CODES = {
  NO_FILES: { status: 400, description: 'The request carried no file.' },
  TOO_MANY_FILES: { status: 413, description: 'More files than the per-batch limit.' },
  FILE_TOO_LARGE: { status: 413, description: 'A file is larger than the per-file limit.' },
  BATCH_TOO_LARGE: { status: 413, description: 'The files together exceed the per-batch limit.' },
  UNKNOWN_PROCESSOR: { status: 400, description: 'No processor has that name.' },
  UNKNOWN_PRESET: { status: 400, description: 'The processor has no preset of that name.' },
  INVALID_SETTINGS: { status: 400, description: 'The settings do not match the processor schema.' },
  INVALID_REQUEST: { status: 400, description: 'The request is malformed.' },
  REQUEST_TOO_LARGE: { status: 413, description: 'The request body is larger than that route takes.' },
  URI_TOO_LONG: { status: 414, description: 'The address (or a part of it) is too long.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    description: 'The body is of a type the route does not take (JSON or multipart/form-data).',
  },
  HEADERS_TOO_LARGE: { status: 431, description: 'The request headers are too large.' },
  REQUEST_TIMEOUT: { status: 408, description: 'The request did not arrive in time.' },
  UNSUPPORTED_TYPE: { status: 415, description: 'The processor does not accept this content type.' },
  NOT_FOUND: { status: 404, description: 'No such batch, file or output.' },
  UNAUTHORIZED: { status: 401, description: 'Credentials are missing or wrong.' },
  FORBIDDEN: { status: 403, description: 'These credentials may not do that.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests; try again later.' },
  QUOTA_EXCEEDED: { status: 429, description: "The API key's own limit on batches or bytes is reached." },
  CONFLICT: { status: 409, description: 'The request conflicts with the current state.' },
  TIMEOUT: { status: 504, description: 'The file took longer than the time limit.' },
  PROCESSOR_ERROR: { status: 500, description: 'The processor failed on this file.' },
  CANCELLED: { status: 409, description: 'The file was cancelled.' },
  CORRUPT_INPUT: { status: 422, description: 'The file is damaged or not what it claims to be.' },
  TOO_MANY_PIXELS: { status: 422, description: 'The image has more pixels than allowed.' },
  TOO_MANY_PAGES: { status: 422, description: 'The document has more pages than allowed.' },
  ENCRYPTED: { status: 422, description: 'The document needs a password.' },
  SANITIZE_VERIFY_FAILED: {
    status: 422,
    description: 'The disarmed document still held active content when checked; no output was kept.',
  },
  MEMORY_LIMIT: { status: 507, description: 'Processing the file used more memory than allowed.' },
  WORKER_CRASHED: { status: 500, description: 'The worker process died while processing the file.' },
  OUTPUT_TOO_LARGE: { status: 507, description: 'The output is larger than allowed.' },
  COMMAND_FAILED: { status: 500, description: 'The operator command exited with an error.' },
  NOT_READY: { status: 503, description: 'A dependency of the server is not reachable.' },
  STORAGE_FULL: {
    status: 507,
    description: 'The data folder is (nearly) full: new uploads wait until space is freed.',
  },
  INTERNAL: { status: 500, description: 'An unexpected error; the server log has the details.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** An error with a stable code and a message that is safe to show to a client. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = opts.details;
  }
}

/** The `{ code, message }` pair stored with a failed file and shown in the API. */
export interface FileError {
  code: ErrorCode;
  message: string;
}

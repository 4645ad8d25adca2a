/**
 * The API's JSON shapes as TypeBox schemas: route validation, response serialisation and
 * the OpenAPI document all come from these (shared/API.md is the contract they follow).
 */
import type { Ajv, SchemaValidateFunction } from 'ajv';
import Type from 'typebox';
import { BATCH_STATUSES, FILE_STATUSES } from '../core/model.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable SNAKE_CASE code.' }),
      message: Type.String({ description: 'A sentence for a person.' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error' },
);

export const Counts = Type.Object({
  queued: Type.Integer(),
  running: Type.Integer(),
  retrying: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  cancelled: Type.Integer(),
});

const Timestamp = Nullable(Type.String({ format: 'date-time' }));

export const BatchSchema = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String({ description: 'What the submitter called the batch; null for none.' })),
  status: Type.Enum([...BATCH_STATUSES]),
  processor: Type.String(),
  preset: Nullable(Type.String()),
  settings: Type.Record(Type.String(), Type.Unknown()),
  totalFiles: Type.Integer(),
  counts: Counts,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  etaMs: Nullable(Type.Integer()),
  inputBytes: Type.Integer(),
  outputBytes: Type.Integer(),
  createdAt: Timestamp,
  startedAt: Timestamp,
  finishedAt: Timestamp,
});

export const FileErrorSchema = Nullable(Type.Object({ code: Type.String(), message: Type.String() }));

export const FileSchema = Type.Object({
  index: Type.Integer(),
  name: Type.String(),
  status: Type.Enum([...FILE_STATUSES]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  attempts: Type.Integer(),
  contentType: Nullable(Type.String()),
  inputBytes: Type.Integer(),
  outputBytes: Nullable(Type.Integer()),
  outputName: Nullable(Type.String()),
  outputType: Nullable(Type.String()),
  durationMs: Nullable(Type.Integer()),
  cpuMs: Nullable(Type.Number()),
  error: FileErrorSchema,
  details: Nullable(Type.Record(Type.String(), Type.Unknown())),
  node: Nullable(Type.String()),
  startedAt: Timestamp,
  finishedAt: Timestamp,
});

export const Submitted = Type.Object({
  id: Type.String(),
  status: Type.Enum([...BATCH_STATUSES]),
  totalFiles: Type.Integer(),
  token: Type.String({ description: 'Grants read, events and download of this batch; shown once.' }),
  statusUrl: Type.String(),
  eventsUrl: Type.String(),
  wsUrl: Type.String(),
  resultsUrl: Type.String(),
});

/** A keyword for Ajv (see `safeIntegerKeyword`): the value is a safe integer. */
const SAFE_INTEGER = 'x-safe-integer';
const SAFE_INTEGER_MESSAGE = `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;

/**
 * Ajv turns the text `1e400` into Infinity, and its own integer and maximum checks (and any
 * keyword bound to numbers) are skipped for a number that is not finite; this keyword, bound to
 * no type, is not.
 */
export function safeIntegerKeyword(ajv: Ajv): Ajv {
  // Ajv clears `errors` before each call: a failing call sets the message a client reads
  // ("Querystring/after must be a whole number …").
  const validate: SchemaValidateFunction = (_schema: boolean, data: unknown): boolean => {
    if (typeof data !== 'number' || Number.isSafeInteger(data)) return true;
    validate.errors = [{ keyword: SAFE_INTEGER, message: SAFE_INTEGER_MESSAGE, params: {} }];
    return false;
  };
  return ajv.addKeyword({ keyword: SAFE_INTEGER, schemaType: 'boolean', validate, errors: true });
}

/** A whole number a client sends (an index, a seq). */
export const Count = (description?: string) =>
  Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    [SAFE_INTEGER]: true,
    ...(description ? { description } : {}),
  });

export const BatchParams = Type.Object({ id: Type.String({ pattern: '^b_[a-z0-9]{20,40}$' }) });
export const FileParams = Type.Object({
  id: Type.String({ pattern: '^b_[a-z0-9]{20,40}$' }),
  index: Count(),
});

/** `?after=<seq>`: resume after that event. */
export const AfterQuery = Type.Object({ after: Type.Optional(Count('Resume after this seq.')) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/**
 * What any route may answer besides its success. 408, 414 and 431 come from the HTTP parser
 * before a route runs; they are listed so the OpenAPI document shows them.
 */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  408: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  414: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  431: ErrorBody,
  503: ErrorBody,
} as const;

/** A non-JSON body (a ZIP, a CSV, an output file): documented, never serialised. */
export const BinaryBody = Type.Unknown({ description: 'The file itself.' });

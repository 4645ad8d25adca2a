/**
 * Receiving a batch: the parts of an upload (fields and file streams, from HTTP multipart or
 * from the CLI's own files) are streamed to storage one by one under limits, then checked,
 * then committed as one batch. Nothing is kept of a refused upload.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../core/errors.js';
import { cleanRelativePath, normaliseRelativePath, type NameFacts } from '../core/filenames.js';
import { BlobTooLargeError, type BlobStorage, type PutResult } from '../core/ports.js';
import { SNIFF_BYTES } from '../processors/sniff.js';

/** One part of an upload, in the order the client sent them. */
export type UploadPart =
  { kind: 'field'; name: string; value: string } | { kind: 'file'; filename: string; stream: Readable };

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxBatchBytes: number;
}

export interface StagedFile {
  index: number;
  /** Normalised, not yet made unique. */
  name: string;
  /** What normalising the name hid (see `cleanRelativePath`), or null. */
  nameFacts: NameFacts | null;
  size: number;
  /** The first bytes, for content sniffing. */
  head: Buffer;
}

/** What `stageUpload` received besides the files it handed on. */
export interface StagedUpload {
  fields: Map<string, string>;
  /** How many files were stored. */
  files: number;
  /** Their bytes. */
  bytes: number;
}

/** What `stageUpload` tells its caller as the parts arrive; each may throw to refuse the upload. */
export interface StagingHandlers {
  /** Before the first file is stored, with the fields seen so far. */
  beforeFirstFile(fields: ReadonlyMap<string, string>): Promise<void> | void;
  /** A field that came after the first file. */
  lateField(name: string): void;
  /** Each file once it is stored, in order. */
  stored(file: StagedFile): Promise<void> | void;
}

/** Where a batch's inputs are, and each of them. */
export const inputsKey = (batchId: string): string => `${batchId}/in`;
export const inputKey = (batchId: string, index: number): string => `${inputsKey(batchId)}/${index}`;
export const outputKey = (batchId: string, index: number): string => `${batchId}/out/${index}`;
/** What a file's run left for its processor's aggregate (see `RunInput.dataPath`). */
export const aggregateDataKey = (batchId: string, index: number): string => `${batchId}/data/${index}`;
/** The aggregate task's manifest (input) and JSON result (output). */
export const aggregateInputKey = (batchId: string): string => `${batchId}/aggregate/input`;
export const aggregateOutputKey = (batchId: string): string => `${batchId}/aggregate/output`;

/**
 * Streams every file part to `<batchId>/in/<n>`, telling `on` as it goes (see
 * `StagingHandlers`), so a bad processor name fails before any upload and each file can be
 * handed on as soon as it is stored. On any error the caller deletes the batch's prefix.
 */
export async function stageUpload(
  batchId: string,
  parts: AsyncIterable<UploadPart>,
  storage: BlobStorage,
  limits: UploadLimits,
  on: StagingHandlers,
): Promise<StagedUpload> {
  const fields = new Map<string, string>();
  let files = 0;
  let total = 0;
  for await (const part of parts) {
    if (part.kind === 'field') {
      // Last-wins would silently run what the client did not mean.
      if (fields.has(part.name)) {
        throw new AppError(
          'INVALID_REQUEST',
          `The field "${part.name}" was sent more than once: send it once.`,
        );
      }
      if (files > 0) on.lateField(part.name);
      fields.set(part.name, part.value);
      continue;
    }
    if (files === 0) await on.beforeFirstFile(fields);
    const index = files;
    if (index >= limits.maxFiles) {
      part.stream.resume();
      throw new AppError('TOO_MANY_FILES', `A batch holds at most ${limits.maxFiles} files.`, {
        details: { limit: limits.maxFiles },
      });
    }
    const budget = limits.maxBatchBytes - total;
    let stored: PutResult;
    try {
      stored = await storage.put(inputKey(batchId, index), part.stream, {
        maxBytes: Math.min(limits.maxFileBytes, budget),
        keepHead: SNIFF_BYTES,
      });
      total += stored.size;
    } catch (error) {
      if (error instanceof BlobTooLargeError) throw tooLarge(part.filename, limits, budget);
      throw error;
    }
    files += 1;
    const { name, facts } = cleanRelativePath(part.filename, `file-${index + 1}`);
    await on.stored({ index, name, nameFacts: facts, size: stored.size, head: stored.head });
  }
  return { fields, files, bytes: total };
}

function tooLarge(filename: string, limits: UploadLimits, budget: number): AppError {
  const name = normaliseRelativePath(filename, 'a file');
  if (limits.maxFileBytes <= budget) {
    return new AppError(
      'FILE_TOO_LARGE',
      `${name} is larger than the limit of ${limits.maxFileBytes} bytes per file.`,
      {
        details: { limit: limits.maxFileBytes, file: name },
      },
    );
  }
  return new AppError(
    'BATCH_TOO_LARGE',
    `The files exceed the limit of ${limits.maxBatchBytes} bytes per batch.`,
    {
      details: { limit: limits.maxBatchBytes },
    },
  );
}

/**
 * Uploads one batch as `multipart/form-data` (shared/API.md, "Submit"), streamed from disk:
 * each file is a Blob backed by the file (`fs.openAsBlob`), so nothing is read into memory
 * ahead of the socket, and the encoded body is counted as fetch pulls it, which is the
 * upload's byte progress.
 *
 * `signal` interrupts the upload only while the body is being sent (see below): a caller
 * that gets a batch back after aborting must cancel it.
 */
import { openAsBlob } from 'node:fs';
import { CliError, type ApiClient } from './api-client.js';
import type { InputFile } from './collect-files.js';

export interface BatchFields {
  processor: string;
  preset?: string;
  /** A JSON object, as text. */
  settings?: string;
  /** What the batch is called (the folder's name); the server cleans it. */
  name?: string;
}

/** The `202 Accepted` answer. */
export interface AcceptedBatch {
  id: string;
  status: string;
  totalFiles: number;
  /** The batch's read-only token, given once, here (absent from a server before it had one). */
  token?: string;
}

export async function uploadBatch(
  client: ApiClient,
  files: readonly InputFile[],
  fields: BatchFields,
  onBytes: (sent: number) => void,
  signal?: AbortSignal,
): Promise<AcceptedBatch> {
  const form = new FormData();
  // Fields first: the server checks the processor and settings before it reads any file.
  form.append('processor', fields.processor);
  if (fields.preset) form.append('preset', fields.preset);
  if (fields.settings) form.append('settings', fields.settings);
  if (fields.name) form.append('name', fields.name);
  for (const file of files) form.append('files', await openAsBlob(file.path), file.name);

  const encoded = new Request('http://filemill.invalid/', { method: 'POST', body: form });
  const source = encoded.body!.getReader();
  let sent = 0;
  let readError: unknown;
  // Interrupted while sending, the request is dropped and the server keeps nothing. Once the
  // whole body is sent, the server may already be committing the batch: the answer is
  // awaited then, so the caller learns the id and can cancel it.
  let bodySent = false;
  const request = new AbortController();
  const interrupt = (): void => {
    if (!bodySent) request.abort(signal?.reason);
  };
  signal?.addEventListener('abort', interrupt, { once: true });
  if (signal?.aborted) interrupt();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof source.read>>;
      try {
        chunk = await source.read();
      } catch (error) {
        readError = error;
        throw error;
      }
      if (chunk.done) {
        bodySent = true;
        return controller.close();
      }
      sent += chunk.value.byteLength;
      onBytes(sent);
      controller.enqueue(chunk.value);
    },
    cancel: (reason) => source.cancel(reason),
  });

  try {
    return await client.json<AcceptedBatch>('/api/batches', {
      method: 'POST',
      body,
      headers: { 'content-type': encoded.headers.get('content-type')! },
      signal: request.signal,
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    if (readError !== undefined && !request.signal.aborted) {
      throw new CliError(
        'INPUT_CHANGED: a file could not be read while it was being sent (changed or removed); nothing of this batch was kept.',
      );
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', interrupt);
  }
}

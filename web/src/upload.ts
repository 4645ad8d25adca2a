/**
 * Sends one batch as multipart/form-data with a byte progress bar. XMLHttpRequest, because
 * fetch reports no upload progress. The batch's share token in the answer is kept for this
 * tab's *Copy link*. A batch made of one dropped folder is named after it.
 */
import { ApiError, type Accepted } from './api.js';
import { credentialFor, rememberOwnToken, unauthorized } from './credentials.js';
import type { Candidate } from './selection.js';

export interface BatchFields {
  processor: string;
  preset: string;
  settings?: Record<string, unknown>;
}

/** The folder every file comes from (`trip/…`), which names the batch; undefined if none. */
export function folderNameOf(files: readonly Pick<Candidate, 'path'>[]): string | undefined {
  const top = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : null);
  const first = files[0] ? top(files[0].path) : null;
  if (!first || !files.every((f) => top(f.path) === first)) return undefined;
  return first;
}

export function uploadBatch(
  files: readonly Candidate[],
  fields: BatchFields,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Accepted> {
  const form = new FormData();
  // Fields first: the server checks them before it reads a byte of the files.
  form.append('processor', fields.processor);
  form.append('preset', fields.preset);
  if (fields.settings) form.append('settings', JSON.stringify(fields.settings));
  const name = folderNameOf(files);
  if (name !== undefined) form.append('name', name);
  for (const { file, path } of files) form.append('files', file, path);

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const credential = credentialFor();
    xhr.open('POST', '/api/batches');
    if (credential !== null) xhr.setRequestHeader('authorization', `Bearer ${credential}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onload = () => {
      const body = xhr.response as { error?: { code: string; message: string } } & Accepted;
      if (xhr.status === 202) {
        rememberOwnToken(body.id, body.token);
        return resolve(body);
      }
      if (xhr.status === 401) unauthorized(credential);
      reject(
        body?.error
          ? new ApiError(body.error.code, body.error.message, xhr.status)
          : new ApiError('HTTP', `The server answered ${xhr.status}.`, xhr.status),
      );
    };
    xhr.onerror = () => reject(new ApiError('NETWORK', 'The upload was cut off: nothing of it was kept.'));
    xhr.onabort = () => reject(new ApiError('CANCELLED', 'Upload cancelled: nothing of it was kept.'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/**
 * The public HTTP API (shared/API.md) as the page uses it. Types come from the server's own
 * view definitions, so the page and the API cannot drift apart.
 */
import type { Report } from '../../src/core/report.js';
import type { BatchView, FileView } from '../../src/core/views.js';
import { credentialFor, sharedToken, unauthorized } from './credentials.js';

export type { BatchView, FileView };

export interface ProcessorInfo {
  name: string;
  title: string;
  accepts: string[];
  presets: { name: string; title: string; settings: Record<string, unknown> }[];
  defaultPreset: string;
  settingsSchema: unknown;
}

export interface Limits {
  maxFiles: number;
  maxFileBytes: number;
  maxBatchBytes: number;
}

export interface Accepted {
  id: string;
  status: string;
  totalFiles: number;
  /** The batch's share token: in this answer only. */
  token: string;
}

/** An error answer of the API, or a network failure (code `NETWORK`). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns a non-2xx answer into an ApiError carrying the API's code and sentence. */
export async function errorOf(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code: string; message: string };
  } | null;
  return body?.error
    ? new ApiError(body.error.code, body.error.message, response.status)
    : new ApiError('HTTP', `The server answered ${response.status}.`, response.status);
}

/** `Authorization` for a credential, or nothing without one. */
export function authorization(credential: string | null): Record<string, string> {
  return credential === null ? {} : { authorization: `Bearer ${credential}` };
}

/**
 * One call with the credential for `batchId` (see credentials.ts). A 401 is reported, so the
 * page shows the sign-in, and thrown like any error.
 */
export async function call(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  batchId?: string,
): Promise<Response> {
  const credential = credentialFor(batchId);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...init.headers, ...authorization(credential) } });
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached.');
  }
  if (response.status === 401) unauthorized(credential);
  if (!response.ok) throw await errorOf(response);
  return response;
}

async function json<T>(path: string, init?: Parameters<typeof call>[1], batchId?: string): Promise<T> {
  return (await (await call(path, init, batchId)).json()) as T;
}

/** `url` with `token` added as `?token=` (the server hides it in its logs). */
function withToken(url: string, token: string | null): string {
  return token === null ? url : `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

const batchPath = (id: string) => `/api/batches/${encodeURIComponent(id)}`;

export const api = {
  processors: () => json<ProcessorInfo[]>('/api/processors'),
  limits: () => json<Limits>('/api/limits'),
  batch: (id: string) => json<BatchView>(batchPath(id), undefined, id),
  batches: (cursor: string | null, limit = 50) =>
    json<{ items: BatchView[]; nextCursor: string | null }>(
      `/api/batches?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
  async files(id: string): Promise<FileView[]> {
    const all: FileView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: { items: FileView[]; nextCursor: string | null } = await json(
        `${batchPath(id)}/files?limit=1000${query}`,
        undefined,
        id,
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  },
  file: (id: string, index: number) => json<FileView>(`${batchPath(id)}/files/${index}`, undefined, id),
  cancel: (id: string, file?: number) =>
    json<BatchView>(
      `${batchPath(id)}${file === undefined ? '' : `/files/${file}`}/cancel`,
      { method: 'POST' },
      id,
    ),
  retry: (id: string, files?: number[]) =>
    json<BatchView>(
      `${batchPath(id)}/retry`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(files ? { files } : {}),
      },
      id,
    ),
  /** A new share token for the batch; the links given before stop working. */
  newToken: (id: string) =>
    json<{ id: string; token: string }>(`${batchPath(id)}/token`, { method: 'POST' }, id),
  report: (id: string) => json<Report>(`${batchPath(id)}/report.json`, undefined, id),
  /**
   * The address of a download, for a link the browser follows itself: in a shared view it
   * carries the share token as `?token=` (a link cannot send a header). A signed-in person's
   * key never goes in a link: `Download` fetches with the header instead.
   */
  downloadUrl: (id: string, path: string) => withToken(path, sharedToken(id)),
  resultsUrl: (id: string) => `${batchPath(id)}/results.zip`,
  reportUrl: (id: string, format: 'json' | 'csv') => `${batchPath(id)}/report.${format}`,
  outputUrl: (id: string, index: number) => `${batchPath(id)}/files/${index}/output`,
  /**
   * The batch's WebSocket. A browser cannot set headers on one, so the credential goes in its
   * query: the server takes `?token=` as a key when it starts with `fm_`. Only this socket's
   * address holds it, never the page's.
   */
  wsUrl: (id: string, after: number) => {
    const url = new URL(
      withToken(`${batchPath(id)}/ws?after=${after}`, credentialFor(id)),
      window.location.href,
    );
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  },
};

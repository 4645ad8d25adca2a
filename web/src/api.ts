/**
 * The public HTTP API (shared/API.md) as the page uses it. Types come from the server's own
 * view definitions, so the page and the API cannot drift apart.
 */
import type { Report } from '../../src/core/report.js';
import type { BatchView, FileView } from '../../src/core/views.js';

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

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError('NETWORK', 'The server cannot be reached.');
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

const batchPath = (id: string) => `/api/batches/${encodeURIComponent(id)}`;

export const api = {
  processors: () => json<ProcessorInfo[]>('/api/processors'),
  limits: () => json<Limits>('/api/limits'),
  batch: (id: string) => json<BatchView>(batchPath(id)),
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
      );
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  },
  cancel: (id: string, file?: number) =>
    json<BatchView>(`${batchPath(id)}${file === undefined ? '' : `/files/${file}`}/cancel`, {
      method: 'POST',
    }),
  retry: (id: string, files?: number[]) =>
    json<BatchView>(`${batchPath(id)}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(files ? { files } : {}),
    }),
  report: (id: string) => json<Report>(`${batchPath(id)}/report.json`),
  resultsUrl: (id: string) => `${batchPath(id)}/results.zip`,
  reportUrl: (id: string, format: 'json' | 'csv') => `${batchPath(id)}/report.${format}`,
  outputUrl: (id: string, index: number) => `${batchPath(id)}/files/${index}/output`,
  wsUrl: (id: string, after: number) => {
    const url = new URL(`${batchPath(id)}/ws?after=${after}`, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  },
};

/**
 * The CLI's view of a filemill server: the public HTTP API (shared/API.md), with its errors
 * turned into one readable line.
 */
import type { Report } from '../core/report.js';
import type { BatchView, FileView } from '../core/views.js';

/** `GET /api/processors`, the part the CLI needs. */
export interface ProcessorInfo {
  name: string;
  title: string;
  accepts: string[];
  presets: { name: string; title: string; settings: Record<string, unknown> }[];
  defaultPreset: string;
  /** JSON Schema of the settings, with `title`, `description` and `x-applies-when` per setting. */
  settingsSchema: unknown;
}

/** `GET /api/limits`. */
export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxBatchBytes: number;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** An error the CLI prints as one line and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The HTTP status, when it is the server's answer. */
    readonly status?: number,
    /** How long the server asked to wait before asking again (`Retry-After`), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const NEEDS_KEY = 'UNAUTHORIZED: the server needs an API key: pass --api-key or set FILEMILL_API_KEY';
export const KEY_REFUSED = 'UNAUTHORIZED: the API key was refused (wrong or revoked)';

/** The server's error body, when it sent one in the API's shape. */
type ErrorBody = { error?: { code?: unknown; message?: unknown } } | null;

export class ApiClient {
  readonly base: string;
  /** Private (#): neither printed with the client nor serialised with it. */
  readonly #apiKey: string | undefined;

  /**
   * @param server the server's URL; FILEMILL_SERVER, then http://127.0.0.1:8080 without one.
   * @param options.apiKey sent as `Authorization: Bearer <key>` on every request (see
   *   server-options.ts for where it comes from); none is sent without it.
   */
  constructor(server: string | undefined, options: { apiKey?: string } = {}) {
    this.base = (server ?? process.env.FILEMILL_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#apiKey) headers.set('authorization', `Bearer ${this.#apiKey}`);
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new CliError(
        `cannot reach the server at ${this.base} (is \`filemill serve\` running? --server sets another)`,
      );
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => null)) as ErrorBody;
    const retryAfterS = Number(response.headers.get('retry-after') ?? NaN);
    const retryAfterMs = Number.isFinite(retryAfterS) && retryAfterS >= 0 ? retryAfterS * 1000 : undefined;
    throw new CliError(this.refusal(response.status, body), 1, response.status, retryAfterMs);
  }

  /** One line for a refused request; the key never appears in it, whatever the server said. */
  private refusal(status: number, body: ErrorBody): string {
    if (status === 401) return this.#apiKey ? KEY_REFUSED : NEEDS_KEY;
    const code = typeof body?.error?.code === 'string' ? body.error.code : null;
    const message = typeof body?.error?.message === 'string' ? body.error.message : null;
    let line: string;
    if (code && message) line = `${code}: ${message}`;
    else if (status === 403) line = `FORBIDDEN: the server refused this request (403)`;
    else line = `the server answered ${status}`;
    // One line, and no secret echoed back by a server (or a proxy) that quotes the request.
    line = line.replace(/[\u0000-\u001f\u007f]+/g, ' ');
    return this.#apiKey ? line.replaceAll(this.#apiKey, '[API key]') : line;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  processors(): Promise<ProcessorInfo[]> {
    return this.json('/api/processors');
  }

  limits(): Promise<UploadLimits> {
    return this.json('/api/limits');
  }

  listBatches(limit: number): Promise<{ items: BatchView[]; nextCursor: string | null }> {
    return this.json(`/api/batches?limit=${limit}`);
  }

  getBatch(id: string): Promise<BatchView> {
    return this.json(`/api/batches/${encodeURIComponent(id)}`);
  }

  /** Every file of the batch, following the pages. */
  async allFiles(id: string): Promise<FileView[]> {
    const files: FileView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: { items: FileView[]; nextCursor: string | null } = await this.json(
        `/api/batches/${encodeURIComponent(id)}/files?limit=1000${query}`,
      );
      files.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return files;
  }

  /** `report.json`: the batch, every file and, for a processor that has one, its aggregate. */
  report(id: string): Promise<Report> {
    return this.json(`/api/batches/${encodeURIComponent(id)}/report.json`);
  }

  cancel(id: string, file?: number): Promise<BatchView> {
    const path = file === undefined ? '' : `/files/${file}`;
    return this.json(`/api/batches/${encodeURIComponent(id)}${path}/cancel`, { method: 'POST' });
  }

  retry(id: string, files?: number[]): Promise<BatchView> {
    return this.json(`/api/batches/${encodeURIComponent(id)}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(files ? { files } : {}),
    });
  }
}

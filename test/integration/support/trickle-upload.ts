/**
 * A multipart upload sent part by part, at the test's pace: fields and files written when
 * the test says, so it can watch the server between two files (the first ones already
 * running), then finish, go over a limit, or drop the connection.
 */
import { request, type ClientRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface UploadAnswer {
  status: number;
  body: any;
}

export class TrickleUpload {
  readonly #boundary = `trickle${Math.random().toString(16).slice(2)}`;
  readonly #req: ClientRequest;
  #started = false;
  /** The answer; rejects when the connection drops before one. */
  readonly answer: Promise<UploadAnswer>;

  constructor(url: string) {
    this.#req = request(`${url}/api/batches`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${this.#boundary}` },
    });
    this.answer = new Promise((resolve, reject) => {
      this.#req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        res.on('error', reject);
      });
      this.#req.on('error', reject);
    });
    // A test that drops the connection expects the rejection: it must not be unhandled.
    this.answer.catch(() => undefined);
    this.#req.flushHeaders();
  }

  field(name: string, value: string): this {
    this.#part(`content-disposition: form-data; name="${name}"`, value);
    return this;
  }

  file(filename: string, data: Buffer | string): this {
    this.#part(
      `content-disposition: form-data; name="files"; filename="${filename}"\r\ncontent-type: application/octet-stream`,
      data,
    );
    return this;
  }

  /**
   * One part, with the delimiter after it: a parser knows a part has ended only when it sees
   * the next delimiter, so it is written at once rather than with the next part.
   */
  #part(headers: string, data: Buffer | string): void {
    const opening = this.#started ? '\r\n' : `--${this.#boundary}\r\n`;
    this.#started = true;
    this.#req.write(`${opening}${headers}\r\n\r\n`);
    this.#req.write(data);
    this.#req.write(`\r\n--${this.#boundary}`);
  }

  /** The closing delimiter: the upload is whole. */
  end(): Promise<UploadAnswer> {
    this.#req.end(this.#started ? '--\r\n' : `--${this.#boundary}--\r\n`);
    return this.answer;
  }

  /** Drops the connection mid-upload, as a client that went away. */
  abort(): void {
    this.#req.destroy();
  }
}

/** The batches the data folder holds files of now, to tell a new one from them. */
export async function batchFolders(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'blobs')).catch((): string[] => []);
}

/**
 * Waits until the data folder holds the first file's output of a batch not in `known` — a
 * file that ran while its upload was still arriving — and returns that batch's id.
 */
export async function waitForFirstOutput(
  dataDir: string,
  known: readonly string[] = [],
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const id of await batchFolders(dataDir)) {
      if (known.includes(id)) continue;
      const outputs = await readdir(join(dataDir, 'blobs', id, 'out')).catch((): string[] => []);
      if (outputs.includes('0')) return id;
    }
    if (Date.now() > deadline) throw new Error(`no new batch's first output appeared in ${dataDir}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

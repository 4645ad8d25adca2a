/**
 * `BlobStorage` on a local directory (also fine on a shared network mount). A blob is
 * written to a `.part` file, then renamed into place, so a reader never sees half a file and
 * a crash leaves at most a `.part` that the next start removes with its batch; `sync` makes
 * a batch's blobs durable in one go before the batch is committed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors.js';
import { BlobTooLargeError, type BlobKey, type BlobStorage } from '../../core/ports.js';

// Keys are ours (`b_…/in/3`), but checking them keeps a bug from ever writing outside root.
const KEY = /^[a-z0-9_]+(?:\/[a-z0-9_]+)*$/;

export class LocalBlobStorage implements BlobStorage {
  /** Folders known to exist, so a batch's thousandth output costs no mkdir. */
  private readonly madeDirs = new Set<string>();

  /**
   * @param fsync Makes one file or folder durable; a test's spy in place of the real one.
   */
  constructor(
    private readonly root: string,
    private readonly fsync: (path: string) => Promise<void> = fsyncPath,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  localPath(key: BlobKey): string {
    if (!KEY.test(key)) throw new Error(`invalid blob key: ${key}`);
    return join(this.root, key);
  }

  async prepareWrite(key: BlobKey): Promise<string> {
    const path = this.localPath(key);
    await this.makeDir(dirname(path));
    return path;
  }

  /** Makes `dir` (and its parents) unless this storage made it already. */
  private async makeDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  async put(key: BlobKey, body: Readable, opts: { maxBytes?: number } = {}): Promise<{ size: number }> {
    const path = this.localPath(key);
    const temp = `${path}.part`;
    const counter = new ByteCounter(opts.maxBytes ?? Number.POSITIVE_INFINITY);
    // Joined before the first await: an error `body` emits while the folder is made (a client
    // gone) fails this put instead of being emitted with no listener, which would end the process.
    const counted = pipeline(body, counter);
    counted.catch(() => undefined); // awaited below; rejected meanwhile, it must not count as unhandled
    try {
      await this.makeDir(dirname(path));
      await Promise.all([counted, pipeline(counter, createWriteStream(temp))]);
    } catch (error) {
      counter.destroy();
      await counted.catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    await rename(temp, path);
    return { size: counter.bytes };
  }

  async get(key: BlobKey): Promise<Readable> {
    const path = this.localPath(key);
    try {
      await stat(path);
    } catch {
      throw new AppError('NOT_FOUND', 'That file is not stored.');
    }
    return createReadStream(path);
  }

  async delete(prefix: BlobKey): Promise<void> {
    const path = this.localPath(prefix);
    for (const dir of this.madeDirs)
      if (dir === path || dir.startsWith(`${path}/`)) this.madeDirs.delete(dir);
    await rm(path, { recursive: true, force: true });
  }

  async listPrefixes(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  async lastWrite(prefix: BlobKey): Promise<number | null> {
    const top = this.localPath(prefix);
    const entries = await readdir(top, { recursive: true, withFileTypes: true }).catch(ifGone(null));
    if (!entries) return null;
    let latest = (await stat(top).catch(ifGone(null)))?.mtimeMs ?? null;
    for (const entry of entries) {
      // A file removed meanwhile (a `.part` renamed into place) counts for nothing.
      const info = await stat(join(entry.parentPath, entry.name)).catch(ifGone(null));
      if (info && (latest === null || info.mtimeMs > latest)) latest = info.mtimeMs;
    }
    return latest;
  }

  async sync(prefix: BlobKey): Promise<void> {
    // Every file and folder under the prefix, then the folders holding the names of the prefix
    // and of each folder above it up to the root — each group all at once: the filesystem's
    // journal commits concurrent fsyncs together, where one after another each waits for the disk.
    const top = this.localPath(prefix);
    const entries = await readdir(top, { recursive: true, withFileTypes: true }).catch(() => []);
    await Promise.all(entries.map((e) => this.fsync(join(e.parentPath, e.name))));
    const steps = relative(this.root, top).split(sep);
    const above = steps.map((_, i) => join(this.root, ...steps.slice(0, i)));
    await Promise.all([top, ...above].map((dir) => this.fsync(dir)));
  }

  async ping(): Promise<void> {
    await stat(this.root);
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Counts bytes as they pass and fails the stream past `max`. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) done(new BlobTooLargeError(this.max));
    else done(null, chunk);
  }
}

/** A rejection handler that turns "no such file" into `value` and throws anything else. */
function ifGone<T>(value: T): (error: unknown) => T {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw error;
  };
}

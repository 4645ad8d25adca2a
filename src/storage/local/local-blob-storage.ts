/**
 * `BlobStorage` on a local directory (also fine on a shared network mount). A blob is
 * written in place: nothing reads it before its `put` resolved, and a crash leaves a part of
 * it that the next start removes with its batch; `sync` makes a batch's blobs durable in one
 * go before the batch is committed.
 */
import { createReadStream, fsync as fsyncCallback } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors.js';
import {
  BlobTooLargeError,
  type BlobKey,
  type BlobStorage,
  type PutOptions,
  type PutResult,
} from '../../core/ports.js';
import { fsCallsFor, THREAD_POOL_CALLS, type FsCalls } from './fs-calls.js';

// Keys are ours (`b_…/in/3`), but checking them keeps a bug from ever writing outside root.
const KEY = /^[a-z0-9_]+(?:\/[a-z0-9_]+)*$/;

export class LocalBlobStorage implements BlobStorage {
  /** Folders known to exist, so a batch's thousandth output costs no mkdir. */
  private readonly madeDirs = new Set<string>();

  private readonly fsync: (path: string) => Promise<void>;
  /** By default chosen at `init` by the filesystem under root (see fs-calls.ts). */
  private calls: FsCalls | null;

  constructor(
    private readonly root: string,
    opts: {
      /** Makes one file or folder durable; a test's spy in place of the real one. */
      fsync?: (path: string) => Promise<void>;
      /** The file-system calls of writes and of the seal, in place of the filesystem's. */
      calls?: FsCalls;
    } = {},
  ) {
    this.calls = opts.calls ?? null;
    this.fsync = opts.fsync ?? ((path) => fsyncPath(this.calls ?? THREAD_POOL_CALLS, path));
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    this.calls ??= await fsCallsFor(this.root);
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

  async put(key: BlobKey, body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    const path = this.localPath(key);
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const head = new HeadKeeper(opts.keepHead ?? 0);
    // Started before the first await: from now on an error `body` emits (a client gone) fails
    // this put instead of being emitted with no listener, which would end the process.
    const chunks = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const first = chunks.next();
    first.catch(() => undefined); // awaited below; rejected meanwhile, it must not count as unhandled
    const calls = this.calls ?? THREAD_POOL_CALLS;
    let fd: number | null = null;
    let size = 0;
    try {
      await this.makeDir(dirname(path));
      // Written in a few large writes: most uploads end within the first batch of bytes and
      // cost one open, one write and one close. No temporary name: nothing reads a key before
      // its put resolved (an input's row is written after), and a crash leaves the file to
      // its batch's clean-up like any other.
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for (let next = await first; next.done !== true; next = await chunks.next()) {
        const chunk = next.value;
        size += chunk.length;
        if (size > max) throw new BlobTooLargeError(max);
        head.keep(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_BYTES) {
          fd ??= await calls.open(path, 'w');
          await writeAll(calls, fd, pending);
          pending = [];
          pendingBytes = 0;
        }
      }
      fd ??= await calls.open(path, 'w');
      await writeAll(calls, fd, pending);
      const written = fd;
      fd = null;
      await calls.close(written);
    } catch (error) {
      // Ends the body when the failure is ours (a limit, a full disk, a folder not made): at
      // once, where the iterator's return() would wait behind a read still waiting for data.
      body.destroy();
      if (fd !== null) await calls.close(fd).catch(() => undefined);
      await rm(path, { force: true });
      throw error;
    }
    return { size, head: head.bytes() };
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
      // A file removed meanwhile (its batch deleted) counts for nothing.
      const info = await stat(join(entry.parentPath, entry.name)).catch(ifGone(null));
      if (info && (latest === null || info.mtimeMs > latest)) latest = info.mtimeMs;
    }
    return latest;
  }

  async sync(prefix: BlobKey): Promise<void> {
    // Every file and folder under the prefix, then the folders holding the names of the prefix
    // and of each folder above it up to the root — many at once (SYNCS_AT_ONCE): the filesystem's
    // journal commits concurrent fsyncs together, where one after another each waits for the disk.
    const top = this.localPath(prefix);
    const entries = await readdir(top, { recursive: true, withFileTypes: true }).catch(() => []);
    await atMostAtOnce(SYNCS_AT_ONCE, entries, (e) => this.fsync(join(e.parentPath, e.name)));
    const steps = relative(this.root, top).split(sep);
    const above = steps.map((_, i) => join(this.root, ...steps.slice(0, i)));
    await Promise.all([top, ...above].map((dir) => this.fsync(dir)));
  }

  async ping(): Promise<void> {
    await stat(this.root);
  }
}

const fsyncFd = promisify(fsyncCallback);

/**
 * How many files the seal fsyncs at once: enough for the journal to commit them together, few
 * enough that a 10,000-file batch neither holds 10,000 descriptors open nor opens them all in
 * one turn of the event loop.
 */
const SYNCS_AT_ONCE = 64;

/**
 * Runs `fn` on every item, at most `limit` at once. After a failure no item is started; once
 * the calls under way have ended, rejects with the first failure.
 */
async function atMostAtOnce<T>(
  limit: number,
  items: readonly T[],
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      await fn(items[next++]!).catch((error: unknown) => void (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

async function fsyncPath(calls: FsCalls, path: string): Promise<void> {
  const fd = await calls.open(path, 'r');
  try {
    await fsyncFd(fd);
  } catch (error) {
    // The fsync's failure (EIO: the data may not be on the disk) is the one to tell.
    await calls.close(fd).catch(() => undefined);
    throw error;
  }
  await calls.close(fd);
}

/** How many bytes `put` gathers before it writes them: one write for most uploads. */
const WRITE_BYTES = 256 * 1024;

/**
 * Writes every byte of `chunks` at the file's position. libuv writes on until every byte is
 * written or a call fails, and then answers with what it wrote before the failure: the rest is
 * written again, which meets the failure itself (ENOSPC on a full disk).
 */
async function writeAll(calls: FsCalls, fd: number, chunks: Buffer[]): Promise<void> {
  let rest = chunks.filter((chunk) => chunk.length > 0);
  while (rest.length > 0) {
    const written = await calls.writev(fd, rest);
    if (written === 0) throw new Error('the file system wrote nothing and said no why');
    rest = skipBytes(rest, written);
  }
}

/** `chunks` without their first `count` bytes. */
function skipBytes(chunks: Buffer[], count: number): Buffer[] {
  let left = count;
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    if (left >= chunk.length) left -= chunk.length;
    else {
      rest.push(left > 0 ? chunk.subarray(left) : chunk);
      left = 0;
    }
  }
  return rest;
}

/** Keeps the first `max` bytes of what passes. */
class HeadKeeper {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  constructor(private readonly max: number) {}
  keep(chunk: Buffer): void {
    if (this.kept >= this.max) return;
    // A copy: a slice would keep the whole chunk's memory alive as long as the head.
    const slice = Buffer.from(chunk.subarray(0, this.max - this.kept));
    this.chunks.push(slice);
    this.kept += slice.length;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A rejection handler that turns "no such file" into `value` and throws anything else. */
function ifGone<T>(value: T): (error: unknown) => T {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw error;
  };
}

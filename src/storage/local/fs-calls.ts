/**
 * The small file-system calls of a file's way through filemill — the hand-over's link, lstat,
 * rename, unlink and readdir, the open and close around the seal's fsync, the close of an
 * upload — made on the event loop when the folder is on a local filesystem, through libuv's
 * thread pool elsewhere.
 *
 * On a local disk such a call takes microseconds in the kernel, and the trip through the thread
 * pool costs more than the call: a thread woken, the result handed back, about four futex calls
 * and two context switches. With a dozen such calls per file that was a fifth of the server's
 * CPU per file (`npm run bench overhead`). The event loop already waits on this disk for every
 * file: the SQLite store's statements are synchronous.
 *
 * Not on the loop, anywhere: creating a file and writing data. Creating one allocates an inode,
 * which on a filesystem that has just deleted many files took 0.5–0.9 ms of CPU each here
 * (ext4 searching its groups for an inode not recently freed); a write may wait for the disk
 * when too much is waiting to be written. And on a network or user-space filesystem (NFS, SMB,
 * FUSE, …), where any call may wait on the network or on another process — or on any
 * filesystem not known to be local — every call goes through the thread pool.
 */
import {
  chmodSync,
  close,
  closeSync,
  linkSync,
  lstatSync,
  open,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writev,
  type Stats,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';

export interface FsCalls {
  /** Whether the name and metadata calls run on the event loop (a local filesystem). */
  readonly onEventLoop: boolean;
  link(existing: string, path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  lstat(path: string): Promise<Stats>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Opens `path` to read (`r`) or creates or empties it to write (`w`); its descriptor. */
  open(path: string, flags: 'r' | 'w'): Promise<number>;
  /** Writes `chunks` at the file's position; how many bytes were written (possibly fewer). */
  writev(fd: number, chunks: Buffer[]): Promise<number>;
  close(fd: number): Promise<void>;
}

const openAsync = promisify(open);
const writevAsync = promisify(writev);
const closeAsync = promisify(close);

export const THREAD_POOL_CALLS: FsCalls = {
  onEventLoop: false,
  link: fsp.link,
  chmod: fsp.chmod,
  lstat: (path) => fsp.lstat(path),
  rename: fsp.rename,
  unlink: fsp.unlink,
  readdir: (path) => fsp.readdir(path),
  open: (path, flags) => openAsync(path, flags),
  writev: async (fd, chunks) => (await writevAsync(fd, chunks)).bytesWritten,
  close: closeAsync,
};

// `async`: a failed call rejects, as the thread pool's does, instead of throwing at the caller.
export const EVENT_LOOP_CALLS: FsCalls = {
  onEventLoop: true,
  // Opening an existing file to read allocates nothing.
  open: async (path, flags) => (flags === 'r' ? openSync(path, flags) : openAsync(path, flags)),
  writev: THREAD_POOL_CALLS.writev,
  link: async (existing, path) => linkSync(existing, path),
  chmod: async (path, mode) => chmodSync(path, mode),
  lstat: async (path) => lstatSync(path),
  rename: async (from, to) => renameSync(from, to),
  unlink: async (path) => unlinkSync(path),
  readdir: async (path) => readdirSync(path),
  close: async (fd) => closeSync(fd),
};

/**
 * Filesystems on a local block device or in memory, by the magic number `statfs` gives
 * (linux/magic.h): ext2/3/4, XFS, Btrfs, ZFS, F2FS, bcachefs, tmpfs, ramfs, overlayfs (a
 * container's root).
 */
const LOCAL_FILESYSTEMS: ReadonlySet<number> = new Set([
  0xef53, 0x58465342, 0x9123683e, 0x2fc12fc1, 0xf2f52010, 0xca451a4e, 0x01021994, 0x858458f6, 0x794c7630,
]);

/** The calls for files under `dir`, by the filesystem it is on. */
export async function fsCallsFor(dir: string): Promise<FsCalls> {
  const { type } = await fsp.statfs(dir);
  return LOCAL_FILESYSTEMS.has(type) ? EVENT_LOOP_CALLS : THREAD_POOL_CALLS;
}

/**
 * The small file-system calls of a file's way through filemill — the hand-over's link, chmod
 * and lstat, the open and close around the seal's fsync, the close of an upload — made on the
 * event loop when the folder is on a local filesystem, through libuv's thread pool elsewhere.
 *
 * On a local disk such a call takes microseconds in the kernel, and the trip through the thread
 * pool costs more than the call: a thread woken, the result handed back, about four futex calls
 * and two context switches. With a dozen such calls per file that was a fifth of the server's
 * CPU per file (`npm run bench overhead`). The event loop already waits on this disk for every
 * file: the SQLite store's statements are synchronous.
 *
 * On the loop only calls whose cost does not grow with what they touch. Through the thread
 * pool everywhere: creating a file (an inode's allocation took 0.5–0.9 ms of CPU each on a
 * filesystem that had just deleted many files, ext4 passing over inodes freed recently);
 * writing data (a write may wait for the disk when too much is waiting to be written); unlink
 * and rename (either may drop a file's last link and free all its blocks: an input whose batch
 * was deleted while it ran, an output replaced when a file runs again); reading a folder a
 * worker wrote (as many names as the worker made). On a network or user-space filesystem (NFS,
 * SMB, FUSE, …), where any call may wait on the network or on another process, and on any
 * filesystem not known to be local, every call goes through the thread pool. (A close on the
 * loop closes a batch's input while it is uploaded or sealed, which nothing deletes meanwhile.)
 */
import {
  chmodSync,
  close,
  closeSync,
  linkSync,
  lstatSync,
  open,
  openSync,
  writev,
  type Stats,
} from 'node:fs';
import * as fsp from 'node:fs/promises';
import { promisify } from 'node:util';

export interface FsCalls {
  link(existing: string, path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  lstat(path: string): Promise<Stats>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Opens `path` to read (`r`) or creates or empties it to write (`w`); its descriptor. */
  open(path: string, flags: 'r' | 'w'): Promise<number>;
  /** Writes `chunks` at the file's position; how many bytes were written (all, unless it failed). */
  writev(fd: number, chunks: Buffer[]): Promise<number>;
  close(fd: number): Promise<void>;
}

const openAsync = promisify(open);
const writevAsync = promisify(writev);
const closeAsync = promisify(close);

export const THREAD_POOL_CALLS: FsCalls = {
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
  // Opening an existing file to read allocates nothing.
  open: async (path, flags) => (flags === 'r' ? openSync(path, flags) : openAsync(path, flags)),
  writev: THREAD_POOL_CALLS.writev,
  rename: THREAD_POOL_CALLS.rename,
  unlink: THREAD_POOL_CALLS.unlink,
  readdir: THREAD_POOL_CALLS.readdir,
  link: async (existing, path) => linkSync(existing, path),
  chmod: async (path, mode) => chmodSync(path, mode),
  lstat: async (path) => lstatSync(path),
  close: async (fd) => closeSync(fd),
};

/**
 * Filesystems on a local block device or in memory, by the magic number `statfs` gives
 * (linux/magic.h; ZFS's from OpenZFS).
 */
export const LOCAL_FILESYSTEMS = {
  ext: 0xef53, // ext2, ext3, ext4
  xfs: 0x58465342,
  btrfs: 0x9123683e,
  zfs: 0x2fc12fc1,
  f2fs: 0xf2f52010,
  bcachefs: 0xca451a4e,
  tmpfs: 0x01021994,
  ramfs: 0x858458f6,
  overlayfs: 0x794c7630, // a container's root
} as const;

const LOCAL_TYPES: ReadonlySet<number> = new Set(Object.values(LOCAL_FILESYSTEMS));

/** Whether `statfs`'s `type` is a local filesystem's (`LOCAL_FILESYSTEMS`). */
export function isLocalFilesystem(type: number): boolean {
  return LOCAL_TYPES.has(type);
}

/** The calls for files under `dir`, by the filesystem it is on. */
export async function fsCallsFor(dir: string): Promise<FsCalls> {
  const { type } = await fsp.statfs(dir);
  return isLocalFilesystem(type) ? EVENT_LOOP_CALLS : THREAD_POOL_CALLS;
}

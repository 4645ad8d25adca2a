/**
 * What a person dropped or picked, made into the files of one batch: every file with the
 * folder path it came from, hidden files left out, then filtered by what the processor
 * accepts and by the server's limits. A file whose content is already in the list (same
 * size, same fingerprint: see fingerprint.ts) is left out, whatever its name; a different
 * file under a name already taken is kept under a unique one, as the server would name it.
 * Nothing is dropped silently: every file left out is listed with its reason.
 */
import { formatBytes } from '../../src/core/format.js';
import { takeUniqueName } from '../../src/core/filenames.js';
import type { Limits } from './api.js';
import { contentFingerprint } from './fingerprint.js';
import { createLimiter } from './limiter.js';

export interface Candidate {
  file: File;
  /** The relative path shown and uploaded, e.g. `trip/day1/a.jpg`. */
  path: string;
  /** The path it came with, when another file had taken it: `path` is then `a (2).jpg`. */
  renamedFrom?: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

export interface Selection {
  files: Candidate[];
  skipped: Skipped[];
}

/** Tells the content of a file, the same for the same bytes (see fingerprint.ts). */
export type Fingerprint = (file: File) => Promise<string>;

const isHidden = (path: string) => path.split('/').some((part) => part.startsWith('.'));

/** Whether a browser-given type (from the name; '' when unknown) matches `accepts`. */
export function accepted(type: string, accepts: readonly string[]): boolean {
  if (accepts.includes('*/*')) return true;
  // An unknown type is the server's to judge by content (it sniffs the bytes).
  if (type === '') return true;
  return accepts.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}

// Each file is read once for its fingerprint, and two at a time.
const known = new WeakMap<File, Promise<string>>();
const reading = createLimiter(2);
const fingerprintOnce: Fingerprint = (file) => {
  let fingerprint = known.get(file);
  if (!fingerprint) {
    fingerprint = reading(() => contentFingerprint(file));
    known.set(file, fingerprint);
  }
  return fingerprint;
};

/**
 * The fingerprint of each file that shares its size with another: only those can have the
 * same content, so a folder of photos of all different sizes is not read at all. An empty
 * file is never a duplicate: it says nothing by its content (a placeholder, a `.keep`).
 * null: the file cannot be read (moved or deleted since it was chosen, or not allowed).
 */
async function fingerprintsOf(
  files: readonly File[],
  fingerprint: Fingerprint,
): Promise<Map<File, string | null>> {
  const bySize = new Map<number, number>();
  for (const file of files) bySize.set(file.size, (bySize.get(file.size) ?? 0) + 1);
  const twins = files.filter((file) => file.size > 0 && bySize.get(file.size)! > 1);
  const prints = await Promise.all(twins.map((file) => fingerprint(file).catch(() => null)));
  return new Map(twins.map((file, i) => [file, prints[i]!]));
}

/**
 * Adds `incoming` to `current` within `limits`, in order: the first files that fit are
 * kept, the rest are listed as skipped with their reason. Names are unique case-insensitively,
 * as the server makes them (`photo.jpg`, then `photo (2).jpg`), so what is shown is what the
 * batch will call each file.
 */
export async function select(
  current: readonly Candidate[],
  incoming: readonly Candidate[],
  accepts: readonly string[],
  limits: Limits,
  fingerprint: Fingerprint = fingerprintOnce,
): Promise<Selection> {
  const files = [...current];
  const skipped: Skipped[] = [];
  const names = new Set<string>();
  for (const c of files) takeUniqueName(c.path, names);
  const prints = await fingerprintsOf(
    [...current, ...incoming].map((c) => c.file),
    fingerprint,
  );
  const holders = new Map<string, Candidate>();
  for (const c of files) {
    const print = prints.get(c.file);
    if (print && !holders.has(print)) holders.set(print, c);
  }
  let bytes = files.reduce((sum, c) => sum + c.file.size, 0);
  for (const candidate of incoming) {
    const { path, file } = candidate;
    const print = prints.get(file);
    const holder = print ? holders.get(print) : undefined;
    const skip = (reason: string) => skipped.push({ path, reason });
    if (isHidden(path)) skip('hidden file');
    else if (print === null) skip('cannot be read: moved or deleted since it was chosen, or not allowed');
    else if (holder && holder.file === file) skip('already in the list');
    else if (holder)
      skip(
        holder.path === path || holder.renamedFrom === path
          ? 'already in the list'
          : `the same content as ${holder.path}, which is in the list`,
      );
    else if (!accepted(file.type, accepts)) skip(`not a type this processor takes (${file.type})`);
    else if (file.size > limits.maxFileBytes)
      skip(`larger than the limit of ${formatBytes(limits.maxFileBytes)} per file`);
    else if (files.length >= limits.maxFiles) skip(`over the limit of ${limits.maxFiles} files per batch`);
    else if (bytes + file.size > limits.maxBatchBytes)
      skip(`over the limit of ${formatBytes(limits.maxBatchBytes)} per batch`);
    else {
      const name = takeUniqueName(path, names);
      const kept: Candidate = name === path ? candidate : { file, path: name, renamedFrom: path };
      files.push(kept);
      if (print) holders.set(print, kept);
      bytes += file.size;
    }
  }
  return { files, skipped };
}

/** Files from an `<input type=file>` (with `webkitdirectory`, each keeps its folder path). */
export function fromFileList(list: ArrayLike<File>): Candidate[] {
  return Array.from(list, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Reads every entry of a directory (the browser hands them out in chunks). */
async function readAll(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const entries: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (chunk.length === 0) return entries;
    entries.push(...chunk);
  }
}

async function walk(entry: FileSystemEntry, out: Candidate[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, path });
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, out);
  }
}

/** Files and folders dropped on the page, folders walked recursively. */
export async function fromDataTransfer(items: DataTransferItemList): Promise<Candidate[]> {
  // The entries must be taken synchronously, before the drop event returns.
  const entries = Array.from(items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const files = Array.from(items)
    .map((item) => (item.kind === 'file' ? item.getAsFile() : null))
    .filter((file): file is File => file !== null);
  const out: Candidate[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry) await walk(entry, out);
    else if (files[i]) out.push({ file: files[i], path: files[i].name });
  }
  return out;
}

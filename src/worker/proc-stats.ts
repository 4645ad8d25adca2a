/**
 * Reads a child's resident memory and CPU time from Linux's `/proc`, from the parent. The
 * limits are enforced from outside because the child may be stuck in native code; elsewhere
 * (no `/proc`) both readers return null and the pool says the RSS limit is not enforced.
 */
import { readdir, readFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Whether `/proc` can be read on this machine. */
export const procAvailable: boolean = process.platform === 'linux' && existsSync('/proc/self/status');

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ); 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

/** Parses the `VmRSS:` line of a `/proc/<pid>/status` text, in bytes; null when absent. */
export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/**
 * The fields of a `/proc/<pid>/stat` line after the command name, from field 3 (the state)
 * on. The name (field 2) may hold spaces and parentheses: count from the last ')'.
 */
function fieldsAfterName(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Parses user + system CPU from a `/proc/<pid>/stat` line, in milliseconds. */
export function parseCpuMs(stat: string): number | null {
  const fields = fieldsAfterName(stat);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

// The two readers below run for every file and every 150 ms of a run. They read
// synchronously: a procfs file is generated in memory as it is read, so one readFileSync
// costs less than the open, fstat, read and close round trips of an async read through the
// thread pool, and never waits on a disk.

/** Resident memory of `pid` in bytes, or null when it cannot be read (gone, or no /proc). */
export function readRssBytes(pid: number): number | null {
  const status = procAvailable ? readSync(`/proc/${pid}/status`) : null;
  return status === null ? null : parseVmRss(status);
}

/** CPU time used so far by `pid` in milliseconds, or null when it cannot be read. */
export function readCpuMs(pid: number): number | null {
  const stat = procAvailable ? readSync(`/proc/${pid}/stat`) : null;
  return stat === null ? null : parseCpuMs(stat);
}

/** Parses the parent pid and process-group id from a `/proc/<pid>/stat` line. */
export function parseLineage(stat: string): { ppid: number; pgrp: number } | null {
  const fields = fieldsAfterName(stat);
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  return Number.isInteger(ppid) && Number.isInteger(pgrp) ? { ppid, pgrp } : null;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The direct children of `parent`, from every one of its threads' `children` files. */
async function childrenOf(parent: number): Promise<number[]> {
  const tids = await readdir(`/proc/${parent}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tids.map((tid) => readOrNull(`/proc/${parent}/task/${tid}/children`)));
  return lists.flatMap(parseChildren);
}

/** The pids in a `/proc/<pid>/task/<tid>/children` file (space-separated). */
function parseChildren(list: string | null): number[] {
  return (list ?? '')
    .split(' ')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Whether `pid`, by its `/proc/<pid>/stat` line, is a child of `parent` leading a process group of its own. */
function leadsOwnGroup(stat: string | null, pid: number, parent: number): boolean {
  const lineage = stat === null ? null : parseLineage(stat);
  return lineage !== null && lineage.ppid === parent && lineage.pgrp === pid;
}

async function lineageOf(pid: number): Promise<{ ppid: number; pgrp: number } | null> {
  const stat = await readOrNull(`/proc/${pid}/stat`);
  return stat === null ? null : parseLineage(stat);
}

/** The children of `parent` that lead a process group of their own (operator commands). */
export async function childGroupLeaders(parent: number): Promise<number[]> {
  if (!procAvailable) return [];
  const leaders: number[] = [];
  for (const pid of await childrenOf(parent))
    if (leadsOwnGroup(await readOrNull(`/proc/${pid}/stat`), pid, parent)) leaders.push(pid);
  return leaders;
}

/**
 * The Node process bubblewrap runs, as the host sees it: below the `bwrap` started (`outer`)
 * and the `bwrap` that is the sandbox's init. Null when it is not (or no longer) there.
 */
export async function sandboxedPid(outer: number): Promise<number | null> {
  if (!procAvailable || outer <= 0) return null;
  let pid = outer;
  for (let depth = 0; depth < 4; depth++) {
    const comm = (await readOrNull(`/proc/${pid}/comm`))?.trim();
    if (comm === undefined) return null;
    if (comm !== 'bwrap') return pid;
    const [first] = await childrenOf(pid);
    if (first === undefined) return null;
    pid = first;
  }
  return null;
}

/**
 * Every process in the sandbox under `outer` other than its init, the worker (`worker`) and
 * the worker's own process group: what a task left running.
 */
export async function strayProcesses(outer: number, worker: number): Promise<number[]> {
  if (!procAvailable || outer <= 0) return [];
  const workerGroup = (await lineageOf(worker))?.pgrp;
  const strays: number[] = [];
  const seen = new Set<number>([outer]);
  let level = await childrenOf(outer);
  // The sandbox's init (bwrap) and the worker itself are kept; below them, any process.
  for (let depth = 0; level.length > 0 && depth < 64; depth++) {
    const next: number[] = [];
    for (const pid of level) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      if (depth > 0 && pid !== worker && (await lineageOf(pid))?.pgrp !== workerGroup) strays.push(pid);
      next.push(...(await childrenOf(pid)));
    }
    level = next;
  }
  return strays;
}

function readSync(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The one-letter state of `/proc/<pid>/stat` (`R`, `S`, `T` stopped, `Z` zombie, …), or null. */
function stateOf(pid: number): string | null {
  const stat = readSync(`/proc/${pid}/stat`);
  return stat === null ? null : fieldsAfterName(stat)[0] || null;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits (blocking, at most `maxMs`) until `pid` is stopped or gone, after a SIGSTOP: the
 * signal is only queued when kill() returns. True when it is stopped or gone.
 */
export function waitStoppedSync(pid: number, maxMs = 50): boolean {
  if (!procAvailable) return false;
  for (let waited = 0; waited <= maxMs; waited++) {
    const state = stateOf(pid);
    if (state === null || state === 'T' || state === 't' || state === 'Z' || state === 'X') return true;
    Atomics.wait(pause, 0, 0, 1);
  }
  return false;
}

/**
 * The children of `parent` (from `/proc/<parent>/task/<tid>/children`) that lead a process
 * group of their own: what a worker started as an operator command. Read synchronously, on
 * the kill path, while the parent is stopped and cannot start another.
 */
export function childGroupLeadersSync(parent: number): number[] {
  if (!procAvailable) return [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${parent}/task`);
  } catch {
    return [];
  }
  const leaders: number[] = [];
  for (const tid of tids) {
    for (const pid of parseChildren(readSync(`/proc/${parent}/task/${tid}/children`)))
      if (leadsOwnGroup(readSync(`/proc/${pid}/stat`), pid, parent)) leaders.push(pid);
  }
  return leaders;
}

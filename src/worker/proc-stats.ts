/**
 * Reads a child's resident memory and CPU time from Linux's `/proc`, from the parent. The
 * limits are enforced from outside because the child may be stuck in native code; elsewhere
 * (no `/proc`) both readers return null and the pool says the RSS limit is not enforced.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

/** Whether `/proc` can be read on this machine. */
export const procAvailable: boolean = process.platform === 'linux' && existsSync('/proc/self/status');

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ); 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

/** Parses the `VmRSS:` line of a `/proc/<pid>/status` text, in bytes; null when absent. */
export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : null;
}

/** Parses user + system CPU from a `/proc/<pid>/stat` line, in milliseconds. */
export function parseCpuMs(stat: string): number | null {
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of `pid` in bytes, or null when it cannot be read (gone, or no /proc). */
export async function readRssBytes(pid: number): Promise<number | null> {
  if (!procAvailable) return null;
  try {
    return parseVmRss(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** CPU time used so far by `pid` in milliseconds, or null when it cannot be read. */
export async function readCpuMs(pid: number): Promise<number | null> {
  if (!procAvailable) return null;
  try {
    return parseCpuMs(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Parses the parent pid and process-group id from a `/proc/<pid>/stat` line. */
export function parseLineage(stat: string): { ppid: number; pgrp: number } | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  return Number.isInteger(ppid) && Number.isInteger(pgrp) ? { ppid, pgrp } : null;
}

/**
 * Whether `pgid` leads a process group and is a child of `parent`: what the pool checks
 * before it agrees to kill a group a worker names (a compromised worker could name any).
 */
export async function isChildGroupLeader(pgid: number, parent: number): Promise<boolean> {
  if (!procAvailable) return false;
  try {
    const lineage = parseLineage(await readFile(`/proc/${pgid}/stat`, 'utf8'));
    return lineage !== null && lineage.ppid === parent && lineage.pgrp === pgid;
  } catch {
    return false;
  }
}

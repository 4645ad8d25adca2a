/** Helpers for the operator-command tests: the pids a hanging fixture wrote, and whether a process is gone. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** The pids `tool.sh hang` wrote (itself and its grandchild), waiting for the file to appear. */
export async function readPids(file: string, waitMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const pids = text.trim().split(/\s+/).filter(Boolean).map(Number);
    if (pids.length === 2) return pids;
    if (Date.now() > deadline) throw new Error(`no pids in ${file}`);
    await delay(25);
  }
}

/**
 * True once `pid` is gone or a zombie (killed, not yet reaped by whoever inherited it).
 * Waits up to `waitMs` for a SIGKILL to land; false if it still runs by then.
 */
export async function processGone(pid: number, waitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    if (Date.now() > deadline) return false;
    await delay(25);
  }
}

/** Fails unless every one of `pids` is gone (after a short wait for the kill to land). */
export async function assertAllGone(pids: readonly number[]): Promise<void> {
  for (const pid of pids) assert.ok(await processGone(pid), `process ${pid} is still alive`);
}

/**
 * The pids of the processes whose command line holds `marker` (`tool.sh hang-marked`: itself
 * and its shell), found in /proc — as the host sees them, sandboxed or not — once there are
 * `count` of them.
 */
export async function pidsWithMarker(marker: string, count = 2, waitMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pids: number[] = [];
    for (const name of await readdir('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.split('\0').includes(marker)) pids.push(Number(name));
    }
    if (pids.length >= count) return pids;
    if (Date.now() > deadline) throw new Error(`no ${count} processes with ${marker}`);
    await delay(25);
  }
}

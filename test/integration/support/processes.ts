/** Worker processes of a server, read from /proc (Linux), to kill them as a crash would. */
import { readdir, readFile } from 'node:fs/promises';

/** Child processes of `parent` running filemill's worker entry (not, e.g., tsx's esbuild). */
export async function workerPids(parent: number = process.pid): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 is the parent pid; the command name (field 2) may contain spaces, so split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== parent) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (/worker\/child\.(ts|js)/.test(cmdline)) pids.push(Number(entry));
  }
  return pids;
}

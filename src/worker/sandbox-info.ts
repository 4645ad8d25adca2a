/**
 * The one-line description of the children's sandbox that the server logs at start-up, so an
 * operator sees what is confined and what is not (native code, network) without reading code.
 */
import { heapLimitMb } from './exec-args.js';
import { procAvailable } from './proc-stats.js';
import type { SandboxInfo, SandboxLevel } from './types.js';

export interface SandboxFacts {
  level: SandboxLevel;
  /** Children drop to a uid of their own (the server runs as root). */
  rootDrop: boolean;
  permissionModel: boolean;
  permissionFlag: string | null;
  readFolders: number;
  writeFolders: number;
  typescript: boolean;
  /** Child processes allowed for operator commands. */
  commands: boolean;
  timeoutMs: number;
  memoryMb: number;
}

export function describeSandbox(facts: SandboxFacts): SandboxInfo {
  const parts: string[] = [`level ${facts.level}`, 'separate processes'];
  if (facts.level === 'bwrap') {
    parts.push(
      'bubblewrap: no network, own PID/IPC/UTS namespaces, code read-only, only the file at hand and its output folder of the data folder, private /tmp, ' +
        `rlimits on output size and open files${facts.rootDrop ? ', processes, and a uid of its own per worker' : ''}, no core dumps, dies with the server`,
    );
  }
  if (facts.permissionModel) {
    const refused = facts.typescript
      ? 'child processes and worker threads ALLOWED for the TypeScript loader (run the build to refuse them)'
      : facts.commands
        ? 'child processes ALLOWED for operator commands (not confined by the permission model), worker threads refused'
        : 'child processes and worker threads refused';
    const native =
      facts.level === 'bwrap'
        ? 'native code confined by bubblewrap only'
        : 'native code (libvips) is not confined';
    parts.push(
      `Node permission model (${facts.permissionFlag}): reads limited to ${facts.readFolders} folder(s), ` +
        `writes to ${facts.writeFolders}; ${refused}; native addons allowed, ${native}`,
    );
  } else {
    parts.push('no permission model: children may read and write whatever the server can');
  }
  if (facts.level !== 'bwrap') parts.push('network not restricted');
  const rss = procAvailable ? `${facts.memoryMb} MB RSS` : `RSS not watched (no /proc)`;
  parts.push(
    `limits: ${facts.timeoutMs / 1000} s wall time, ${rss}, ${heapLimitMb(facts.memoryMb)} MB V8 heap per file`,
  );
  return { level: facts.level, permissionModel: facts.permissionModel, summary: parts.join('; ') };
}

/**
 * The one-line description of the children's sandbox that the server logs at start-up, so an
 * operator sees what is confined and what is not (native code, network) without reading code.
 */
import { heapLimitMb } from './exec-args.js';
import { procAvailable } from './proc-stats.js';
import type { SandboxInfo } from './types.js';

export interface SandboxFacts {
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
  const parts: string[] = ['separate processes'];
  if (facts.permissionModel) {
    const refused = facts.typescript
      ? 'child processes and worker threads ALLOWED for the TypeScript loader (run the build to refuse them)'
      : facts.commands
        ? 'child processes ALLOWED for operator commands (not confined by the permission model), worker threads refused'
        : 'child processes and worker threads refused';
    parts.push(
      `Node permission model (${facts.permissionFlag}): reads limited to ${facts.readFolders} folder(s), ` +
        `writes to ${facts.writeFolders}; ${refused}; native addons allowed, and native code (libvips) is not confined`,
    );
  } else {
    parts.push('no permission model: children may read and write whatever the server can');
  }
  parts.push('network not restricted');
  const rss = procAvailable ? `${facts.memoryMb} MB RSS` : `RSS not watched (no /proc)`;
  parts.push(
    `limits: ${facts.timeoutMs / 1000} s wall time, ${rss}, ${heapLimitMb(facts.memoryMb)} MB V8 heap per file`,
  );
  return { permissionModel: facts.permissionModel, summary: parts.join('; ') };
}

/**
 * Which sandbox the workers get on this machine, decided once at start-up from
 * `FILEMILL_SANDBOX`: `auto` uses bubblewrap when a real sandboxed process starts here and
 * says why not otherwise; `bwrap` refuses to start without it; `permission` and `none` are
 * what they say.
 */
import { AppError } from '../core/errors.js';
import { childEntry, findCodeRoot } from './exec-args.js';
import { slotIdentity, PROBE_SCRIPT, probeBwrap, findTools, readOnlyPaths, sandboxCommand } from './bwrap.js';
import type { SandboxLevel } from './types.js';
import { processWorkspaceRoot, Workspace } from './workspace.js';

export type SandboxSetting = 'auto' | SandboxLevel;

export interface SandboxChoice {
  level: SandboxLevel;
  /** Why `auto` did not get bubblewrap; null when it did, or was not asked to. */
  fallbackReason: string | null;
}

/** The line that says how to get bubblewrap, after the reason it did not run. */
const HOW_TO_FIX =
  'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap; Alpine: apk add bubblewrap util-linux-misc) and allow user namespaces, or set FILEMILL_SANDBOX=permission';

/**
 * Resolves the setting into a level, launching a sandboxed probe for `auto` and `bwrap` with
 * the layout the workers get (its workspace under `workspaceRoot`).
 * @throws AppError NOT_READY when `bwrap` was asked for and does not work here.
 */
export async function chooseSandbox(setting: SandboxSetting, workspaceRoot: string): Promise<SandboxChoice> {
  if (setting === 'permission' || setting === 'none') return { level: setting, fallbackReason: null };
  const probe = await probeHere(workspaceRoot);
  if (probe.ok) return { level: 'bwrap', fallbackReason: null };
  if (setting === 'bwrap') {
    throw new AppError(
      'NOT_READY',
      `FILEMILL_SANDBOX=bwrap, but bubblewrap does not work here: ${probe.reason}. To fix: ${HOW_TO_FIX}.`,
    );
  }
  return { level: 'permission', fallbackReason: `${probe.reason}; ${HOW_TO_FIX}` };
}

async function probeHere(workspaceRoot: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const tools = findTools();
  if (typeof tools === 'string') return { ok: false, reason: `${tools} is not installed (not on the PATH)` };
  // The uid the first worker gets, so that the probe tests what the workers will do.
  const identity = slotIdentity(0);
  let workspace: Workspace;
  try {
    workspace = await Workspace.create(processWorkspaceRoot(workspaceRoot), identity);
  } catch (error) {
    return {
      ok: false,
      reason: `its workspace cannot be made (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  try {
    const codeRoot = findCodeRoot();
    const command = sandboxCommand(
      tools,
      {
        readOnly: readOnlyPaths(codeRoot, childEntry().typescript),
        inDir: workspace.inDir,
        outDir: workspace.outDir,
        cwd: codeRoot,
        network: false,
      },
      { fileSizeBytes: 1 << 20, openFiles: 256, processes: identity ? 64 : null },
      identity,
      process.execPath,
      ['-e', PROBE_SCRIPT],
    );
    return await probeBwrap(command);
  } finally {
    await workspace.remove();
  }
}

/**
 * The IPC protocol between the pool and a child. The parent treats everything a child sends
 * as untrusted (a parser may have been compromised), so every message is checked by shape
 * before it is used.
 */
import type { RunLimits } from '../processors/processor.js';
import type { WorkerTask } from './types.js';

/** Parent → child: run one task. */
export interface RunMessage {
  type: 'run';
  id: number;
  task: WorkerTask;
  limits: RunLimits;
}

/** Child → parent: listening, ready for a task. */
export interface ReadyMessage {
  type: 'ready';
}

/** Child → parent: progress of the running task, 0–100. */
export interface ProgressMessage {
  type: 'progress';
  id: number;
  pct: number;
}

/**
 * Child → parent: the running task started a process group (an operator command) that the
 * parent must kill along with the child. The parent checks it really is the child's.
 */
export interface GroupMessage {
  type: 'group';
  id: number;
  pgid: number;
}

/** Child → parent: the task ended without the child dying. */
export type DoneMessage =
  | {
      type: 'done';
      id: number;
      ok: true;
      outputType: string;
      details: Record<string, unknown> | null;
      cpuMs: number;
    }
  | {
      type: 'done';
      id: number;
      ok: false;
      /** The ProcessorError's code, or null for any other thrown value. */
      code: string | null;
      message: string;
      cpuMs: number;
    };

export type ChildMessage = ReadyMessage | ProgressMessage | GroupMessage | DoneMessage;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows what arrived from a child to a well-formed message, or null. */
export function parseChildMessage(value: unknown): ChildMessage | null {
  if (!isRecord(value)) return null;
  if (value.type === 'ready') return { type: 'ready' };
  if (typeof value.id !== 'number') return null;
  if (value.type === 'progress') {
    return typeof value.pct === 'number' && Number.isFinite(value.pct)
      ? { type: 'progress', id: value.id, pct: Math.min(100, Math.max(0, value.pct)) }
      : null;
  }
  if (value.type === 'group') {
    return Number.isSafeInteger(value.pgid) && (value.pgid as number) > 1
      ? { type: 'group', id: value.id, pgid: value.pgid as number }
      : null;
  }
  if (value.type !== 'done') return null;
  const cpuMs =
    typeof value.cpuMs === 'number' && Number.isFinite(value.cpuMs) ? Math.max(0, value.cpuMs) : 0;
  if (value.ok === true) {
    if (typeof value.outputType !== 'string') return null;
    const details = isRecord(value.details) ? value.details : null;
    return {
      type: 'done',
      id: value.id,
      ok: true,
      outputType: value.outputType.slice(0, 200),
      details,
      cpuMs,
    };
  }
  const code = typeof value.code === 'string' ? value.code : null;
  const message = typeof value.message === 'string' ? value.message : '';
  return { type: 'done', id: value.id, ok: false, code, message, cpuMs };
}

/** Narrows what arrived from the parent to a run message, or null. */
export function parseRunMessage(value: unknown): RunMessage | null {
  if (!isRecord(value) || value.type !== 'run' || typeof value.id !== 'number') return null;
  if (!isRecord(value.task) || !isRecord(value.limits)) return null;
  return value as unknown as RunMessage;
}

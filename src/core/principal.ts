/**
 * Who is asking: every request becomes one principal (an auth hook turns its credential into
 * one), and the service alone decides what that principal may do with each batch
 * (`access.ts`). Nothing here does I/O.
 *
 * - `local`: no API key exists, so the server listens on loopback only and whoever reaches
 *   it is this machine's user: every batch, every action (shared/API.md, "Auth").
 * - `key`: a valid API key: its own batches, or all of them for an admin key.
 * - `token`: a batch's share token: read, events and download of that one batch, nothing else.
 *   Which batch it opens is only known once a batch's token hash is compared with it.
 */
import type { ApiKeyLimits } from './api-keys.js';
import { AppError } from './errors.js';

export type Principal =
  | { kind: 'local' }
  | { kind: 'key'; keyId: string; name: string; admin: boolean; limits: ApiKeyLimits }
  | { kind: 'token'; token: string };

export const LOCAL: Principal = Object.freeze({ kind: 'local' });

/** What a principal wants to do with a batch. */
export type BatchAction = 'read' | 'write';

/** The owner a batch created by `principal` records: its key's id, or none. */
export function ownerOf(principal: Principal): string | null {
  return principal.kind === 'key' ? principal.keyId : null;
}

/** The refusal of a batch token on anything but reading its own batch. */
export function tokenForbidden(): AppError {
  return new AppError(
    'FORBIDDEN',
    "A batch's share token only reads that batch: this needs the API key that created it.",
  );
}

/** Whose batches a principal lists: everyone's (undefined), or one owner's. */
export function listedOwner(principal: Principal): string | undefined {
  if (principal.kind === 'token') throw tokenForbidden();
  if (principal.kind === 'local' || principal.admin) return undefined;
  return principal.keyId;
}

/**
 * Identifiers and secrets. Batch ids sort by creation time (so the newest-first listing
 * pages by id alone) and carry 80 random bits so they cannot be guessed.
 */
import { createHash, randomBytes } from 'node:crypto';

const TIME_WIDTH = 9; // base36 milliseconds: good until the year 5188

export function newBatchId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(TIME_WIDTH, '0');
  const rand = randomBytes(10)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0');
  return `b_${time}${rand}`;
}

/** A bearer token for one batch; only its hash is stored. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

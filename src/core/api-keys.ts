/**
 * API keys as the domain sees them: what a key record holds, the rules for a key's name and
 * limits, and how a key is made and hashed. Storing keys is the `ApiKeyStore` port's job
 * (ports.ts); deciding what a key may do is the service's.
 *
 * A key is `fm_` followed by 32 random bytes in base64url. Only its SHA-256 is stored. A slow
 * password hash (scrypt, argon2) exists to make guessing a low-entropy secret expensive; a
 * 256-bit random key cannot be guessed at any speed, so one fast hash is enough — and it lets
 * the server look a key up by its hash on every request for the price of an index probe.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from './errors.js';

/** Every key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_KEY_MARK = 'fm_';
/** Random bytes in a key: 256 bits. */
const KEY_BYTES = 32;
/** `fm_` and 43 base64url characters (32 bytes, unpadded). */
const API_KEY_PATTERN = /^fm_[A-Za-z0-9_-]{43}$/;
/**
 * Characters of the secret kept in clear for display (`fm_AbC123`): 36 of its 256 bits, enough
 * for an operator to tell keys apart, far too few to help guess the rest.
 */
const PREFIX_SECRET_CHARS = 6;

/** A key's name: what the operator types in `filemill keys revoke NAME`. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Optional limits a key carries; null means no limit. */
export interface ApiKeyLimits {
  /** Batches of this key not yet finished, at most. */
  maxConcurrentBatches: number | null;
  /** Bytes this key may upload in a day. */
  maxBytesPerDay: number | null;
}

/** A stored key as everyone may see it: never the key, never its hash. */
export interface ApiKey {
  /**
   * `k_` and random characters; never changes, and is what a batch created with this key
   * records as its `owner`.
   */
  id: string;
  name: string;
  /** Sees and manages every batch, not only its own. */
  admin: boolean;
  /** The first characters of the key (`fm_AbC123`), to tell keys apart; not a secret. */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** When it stopped working; null while it works. */
  revokedAt: number | null;
  limits: ApiKeyLimits;
}

/** A key to store: the record's fields and the hash of the secret. */
export interface NewApiKey {
  id: string;
  name: string;
  admin: boolean;
  /** `hashApiKey(key)`: hex SHA-256. */
  hash: string;
  prefix: string;
  createdAt: number;
  limits: ApiKeyLimits;
}

/** A freshly made secret: the key to hand out once, and what is stored of it. */
export interface ApiKeySecret {
  key: string;
  hash: string;
  prefix: string;
}

export function newApiKeySecret(): ApiKeySecret {
  const key = `${API_KEY_MARK}${randomBytes(KEY_BYTES).toString('base64url')}`;
  return { key, hash: sha256(key), prefix: key.slice(0, API_KEY_MARK.length + PREFIX_SECRET_CHARS) };
}

/** A key id: 16 random bytes (128 bits), lower-case so it reads well as a batch's owner. */
export function newApiKeyId(): string {
  return `k_${randomBytes(16).toString('hex')}`;
}

/**
 * The hash under which a presented key would be stored, or null when it cannot be a key at
 * all (wrong shape): such a key is refused without asking the database.
 */
export function hashApiKey(presented: string): string | null {
  return API_KEY_PATTERN.test(presented) ? sha256(presented) : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** @throws AppError INVALID_REQUEST when `name` is not 1–64 of `A–Z a–z 0–9 . _ -`. */
export function checkApiKeyName(name: string): void {
  if (!API_KEY_NAME_PATTERN.test(name)) {
    throw new AppError(
      'INVALID_REQUEST',
      `A key name is 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" and "-"; ${JSON.stringify(name)} is not.`,
    );
  }
}

/** @throws AppError INVALID_REQUEST when a limit is neither null nor a whole number from 1. */
export function checkApiKeyLimits(limits: ApiKeyLimits): void {
  const check = (value: number | null, what: string): void => {
    if (value !== null && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new AppError('INVALID_REQUEST', `${what} must be a whole number from 1, not ${String(value)}.`);
    }
  };
  check(limits.maxConcurrentBatches, 'The most concurrent batches of a key');
  check(limits.maxBytesPerDay, 'The most bytes a key may upload per day');
}

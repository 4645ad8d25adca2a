/**
 * Who may do what — the one place that decides (shared/API.md, "Auth"). A credential becomes
 * a principal (`authenticate`), and each use of a batch is checked against it (`authorize`):
 * - no key has ever been created: whoever reaches the server (loopback only) may do anything;
 * - once one has, every call needs a key; a key sees and acts on the batches it created, an
 *   admin key on all of them; another key's batch is `NOT_FOUND`, word for word as a batch
 *   that does not exist, so ids are no oracle;
 * - a batch's share token reads that batch (its files, events, outputs and reports), and
 *   nothing else: anything that changes a batch, lists batches or submits is `FORBIDDEN`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { API_KEY_MARK, hashApiKey } from '../core/api-keys.js';
import { AppError } from '../core/errors.js';
import { hashToken } from '../core/ids.js';
import { LOCAL, tokenForbidden, type BatchAction, type Principal } from '../core/principal.js';
import type { ApiKeyStore, MetadataStore } from '../core/ports.js';

/** A key's last use is written at most this often: a write per request would cost SQLite dearly. */
const TOUCH_EVERY_MS = 60_000;

export interface AccessOptions {
  store: Pick<MetadataStore, 'getBatchAccess'>;
  keys: ApiKeyStore;
  now: () => number;
  /** A failed write of a key's last use (the request goes on). */
  onError?: (error: unknown) => void;
  /** A bearer secret that reads `/metrics` besides an admin key (a scraper's); '' for none. */
  metricsToken?: string;
}

export class Access {
  readonly #opts: AccessOptions;
  /** Once a key exists it always will (keys are revoked, never deleted): no need to ask again. */
  #keysExist = false;
  readonly #touched = new Map<string, number>();

  constructor(opts: AccessOptions) {
    this.#opts = opts;
  }

  /** Whether every call needs a credential: some key was ever created. */
  async keysRequired(): Promise<boolean> {
    if (!this.#keysExist) this.#keysExist = await this.#opts.keys.hasApiKeys();
    return this.#keysExist;
  }

  /**
   * The principal a request's bearer credential (or its absence, `null`) stands for. An API
   * key is told from a batch token by its `fm_` mark; a token is checked per batch later.
   * @throws AppError UNAUTHORIZED when keys exist and none was given, or the key is unknown
   *   or revoked.
   */
  async authenticate(credential: string | null): Promise<Principal> {
    if (credential === null || credential === '') {
      if (!(await this.keysRequired())) return LOCAL;
      throw new AppError('UNAUTHORIZED', 'This server needs an API key: send `Authorization: Bearer <key>`.');
    }
    if (!credential.startsWith(API_KEY_MARK)) return { kind: 'token', token: credential };
    const hash = hashApiKey(credential);
    const key = hash === null ? null : await this.#opts.keys.findApiKey(hash);
    if (key === null) throw new AppError('UNAUTHORIZED', 'The API key is not valid (unknown or revoked).');
    this.#touch(key.id);
    return { kind: 'key', keyId: key.id, name: key.name, admin: key.admin, limits: key.limits };
  }

  /**
   * Checks that `principal` may `action` the batch `batchId`.
   * @throws AppError FORBIDDEN for a share token asked to write (before anything is looked
   *   up, so the answer says nothing of the batch); NOT_FOUND for a batch that does not exist
   *   or is not the principal's to see.
   */
  async authorize(principal: Principal, batchId: string, action: BatchAction): Promise<void> {
    if (principal.kind === 'token' && action === 'write') throw tokenForbidden();
    const access = await this.#opts.store.getBatchAccess(batchId);
    if (access === null || !allowed(principal, access)) throw notFound(batchId);
  }

  /**
   * Whether `credential` may read the server's metrics: anyone while no key exists and no
   * metrics token is set (the server is on loopback then); else the metrics token or an
   * admin key.
   * @throws AppError UNAUTHORIZED without a valid credential, FORBIDDEN for any other key.
   */
  async authorizeMetrics(credential: string | null): Promise<void> {
    const token = this.#opts.metricsToken ?? '';
    if (token !== '' && credential !== null && sameSecret(credential, token)) return;
    if (token === '' && credential === null && !(await this.keysRequired())) return;
    if (credential === null || !credential.startsWith(API_KEY_MARK)) {
      throw new AppError('UNAUTHORIZED', 'The metrics need an admin API key or the metrics token.');
    }
    const principal = await this.authenticate(credential);
    if (principal.kind !== 'key' || !principal.admin) {
      throw new AppError('FORBIDDEN', 'The metrics need an admin API key or the metrics token.');
    }
  }

  #touch(keyId: string): void {
    const now = this.#opts.now();
    if (now - (this.#touched.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    this.#touched.set(keyId, now);
    this.#opts.keys.touchApiKey(keyId, now).catch((error: unknown) => this.#opts.onError?.(error));
  }
}

function allowed(principal: Principal, batch: { tokenHash: string; owner: string | null }): boolean {
  switch (principal.kind) {
    case 'local':
      return true;
    case 'key':
      return principal.admin || batch.owner === principal.keyId;
    case 'token':
      return sameHex(hashToken(principal.token), batch.tokenHash);
  }
}

/** Two secrets compared in constant time (their SHA-256, so lengths never leak). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Two hex digests compared in constant time. */
function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The same answer whether the batch is missing or someone else's. */
export function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no batch ${id}.`);
}

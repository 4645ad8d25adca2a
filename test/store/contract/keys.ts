/**
 * Behaviour suite, the `ApiKeyStore` port: the operator's API keys, kept as hashes only, found
 * by the key a client presents while they are not revoked, with their limits and last use.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hashApiKey,
  newApiKeyId,
  newApiKeySecret,
  type ApiKey,
  type ApiKeyLimits,
  type NewApiKey,
} from '../../../src/core/api-keys.js';
import { AppError, type ErrorCode } from '../../../src/core/errors.js';
import { T0, makeBatch, useStore, type ContractStore, type StoreFactory } from './fixtures.js';

const NO_LIMITS: ApiKeyLimits = { maxConcurrentBatches: null, maxBytesPerDay: null };

function appError(code: ErrorCode) {
  return (error: unknown) => error instanceof AppError && error.code === code;
}

/** A key to store, and the key itself as a client would present it. */
function makeKey(spec: Partial<Omit<NewApiKey, 'hash' | 'prefix'>> = {}): { input: NewApiKey; key: string } {
  const secret = newApiKeySecret();
  const input: NewApiKey = {
    id: spec.id ?? newApiKeyId(),
    name: spec.name ?? 'alice',
    admin: spec.admin ?? false,
    hash: secret.hash,
    prefix: secret.prefix,
    createdAt: spec.createdAt ?? T0,
    limits: spec.limits ?? NO_LIMITS,
  };
  return { input, key: secret.key };
}

async function create(store: ContractStore, spec: Parameters<typeof makeKey>[0] = {}) {
  const made = makeKey(spec);
  const record = await store.createApiKey(made.input);
  return { ...made, record };
}

/** What a client presenting `key` is known as: the stored key, or null. */
function lookUp(store: ContractStore, key: string): Promise<ApiKey | null> {
  const hash = hashApiKey(key);
  assert.ok(hash !== null, `${key} has the shape of a key`);
  return store.findApiKey(hash);
}

export function describeKeys(factory: StoreFactory): void {
  describe('API keys', () => {
    const store = useStore(factory);

    it('creates a key and returns its record, without the key or its hash', async () => {
      const { input, key, record } = await create(store(), { name: 'alice', admin: true });
      assert.deepEqual(record, {
        id: input.id,
        name: 'alice',
        admin: true,
        prefix: input.prefix,
        createdAt: T0,
        lastUsedAt: null,
        revokedAt: null,
        limits: NO_LIMITS,
      });
      assert.match(key, /^fm_[A-Za-z0-9_-]{43}$/);
      assert.ok(key.startsWith(record.prefix) && record.prefix.length < 12);
    });

    it('gives each key its own id, which a batch records as its owner', async () => {
      const alice = await create(store(), { name: 'alice' });
      const bob = await create(store(), { name: 'bob' });
      assert.match(alice.record.id, /^k_[0-9a-f]{32}$/);
      assert.notEqual(alice.record.id, bob.record.id);
      const batch = makeBatch({ owner: alice.record.id });
      await store().createBatch(batch);
      assert.deepEqual(await store().getBatchAccess(batch.id), {
        tokenHash: batch.tokenHash,
        owner: alice.record.id,
      });
      const listed = await store().listBatches({ owner: alice.record.id, limit: 10 });
      assert.deepEqual(
        listed.items.map((b) => b.id),
        [batch.id],
      );
      assert.deepEqual((await store().listBatches({ owner: bob.record.id, limit: 10 })).items, []);
    });

    it('refuses a second key of the same name with CONFLICT, and keeps the first working', async () => {
      const first = await create(store(), { name: 'alice' });
      await assert.rejects(create(store(), { name: 'alice', admin: true }), appError('CONFLICT'));
      assert.deepEqual(
        (await store().listApiKeys()).map((k) => [k.name, k.admin]),
        [['alice', false]],
      );
      assert.equal((await lookUp(store(), first.key))?.id, first.input.id);
    });

    it('refuses a name that is empty, too long or has other characters, storing nothing', async () => {
      for (const name of ['', 'a'.repeat(65), 'al ice', 'alice/bob', 'élodie', 'a\nb']) {
        await assert.rejects(create(store(), { name }), appError('INVALID_REQUEST'), JSON.stringify(name));
      }
      assert.deepEqual(await store().listApiKeys(), []);
      assert.equal((await create(store(), { name: `Ab-9._${'x'.repeat(58)}` })).record.name.length, 64);
    });

    it('lists every key oldest first, revoked ones too, never the key or its hash', async () => {
      const bob = await create(store(), { name: 'bob', createdAt: T0 + 10 });
      const alice = await create(store(), { name: 'alice', createdAt: T0 });
      await store().revokeApiKey('bob', T0 + 20);
      const listed = await store().listApiKeys();
      assert.deepEqual(
        listed.map((k) => [k.name, k.revokedAt]),
        [
          ['alice', null],
          ['bob', T0 + 20],
        ],
      );
      const text = JSON.stringify(listed);
      for (const secret of [alice, bob]) {
        assert.ok(!text.includes(secret.key), 'the key is not listed');
        assert.ok(!text.includes(secret.input.hash), 'the hash is not listed');
      }
    });

    it('finds a key by the key a client presents, and nothing for a wrong key', async () => {
      const alice = await create(store(), { name: 'alice' });
      const bob = await create(store(), { name: 'bob', admin: true });
      assert.equal((await lookUp(store(), alice.key))?.name, 'alice');
      assert.deepEqual(await lookUp(store(), bob.key), bob.record);
      assert.equal(await lookUp(store(), newApiKeySecret().key), null);
      // One character off is another key altogether.
      const last = alice.key.at(-1) === 'A' ? 'B' : 'A';
      assert.equal(await lookUp(store(), `${alice.key.slice(0, -1)}${last}`), null);
      assert.equal(await store().findApiKey(''), null);
    });

    it('finds no key once it is revoked, and a revoke of a revoked key keeps its first time', async () => {
      const alice = await create(store(), { name: 'alice' });
      const bob = await create(store(), { name: 'bob' });
      const revoked = await store().revokeApiKey('alice', T0 + 100);
      assert.deepEqual(revoked, { ...alice.record, revokedAt: T0 + 100 });
      assert.equal(await lookUp(store(), alice.key), null);
      assert.equal((await lookUp(store(), bob.key))?.name, 'bob', 'other keys keep working');
      assert.equal((await store().revokeApiKey('alice', T0 + 200)).revokedAt, T0 + 100);
    });

    it('answers NOT_FOUND to a revoke of a name no key has', async () => {
      await create(store(), { name: 'alice' });
      await assert.rejects(store().revokeApiKey('alicia', T0), appError('NOT_FOUND'));
      assert.equal((await store().listApiKeys())[0]?.revokedAt, null);
    });

    it('records when a key was last used, never moving back to an earlier time', async () => {
      const alice = await create(store(), { name: 'alice' });
      const bob = await create(store(), { name: 'bob' });
      await store().touchApiKey(alice.input.id, T0 + 500);
      await store().touchApiKey(alice.input.id, T0 + 300);
      const keys = await store().listApiKeys();
      assert.deepEqual(
        keys.map((k) => [k.name, k.lastUsedAt]),
        [
          ['alice', T0 + 500],
          ['bob', null],
        ],
      );
      assert.equal((await lookUp(store(), alice.key))?.lastUsedAt, T0 + 500);
      assert.equal((await lookUp(store(), bob.key))?.lastUsedAt, null);
    });

    it('keeps the limits a key was created with and reads them back', async () => {
      const limits = { maxConcurrentBatches: 3, maxBytesPerDay: 5 * 1024 ** 4 };
      const limited = await create(store(), { name: 'limited', limits });
      const half = { maxConcurrentBatches: null, maxBytesPerDay: 1024 };
      await create(store(), { name: 'half', limits: half, createdAt: T0 + 1 });
      assert.deepEqual(limited.record.limits, limits);
      assert.deepEqual(
        (await store().listApiKeys()).map((k) => k.limits),
        [limits, half],
      );
      assert.deepEqual((await lookUp(store(), limited.key))?.limits, limits);
    });

    it('refuses a limit that is not a whole number from 1', async () => {
      for (const limits of [
        { maxConcurrentBatches: 0, maxBytesPerDay: null },
        { maxConcurrentBatches: null, maxBytesPerDay: -1 },
        { maxConcurrentBatches: 1.5, maxBytesPerDay: null },
      ]) {
        await assert.rejects(
          create(store(), { limits }),
          appError('INVALID_REQUEST'),
          JSON.stringify(limits),
        );
      }
      assert.deepEqual(await store().listApiKeys(), []);
    });

    it('says whether any key was ever created, a revoked one included', async () => {
      assert.equal(await store().hasApiKeys(), false);
      await create(store(), { name: 'alice' });
      assert.equal(await store().hasApiKeys(), true);
      await store().revokeApiKey('alice', T0 + 1);
      assert.equal(await store().hasApiKeys(), true, 'revoking the last key does not open the server');
    });
  });
}

/** API keys for tests, made in the server's store as `filemill keys create` makes them. */
import { newApiKeyId, newApiKeySecret, type ApiKeyLimits } from '../../../src/core/api-keys.js';
import type { ApiKeyStore } from '../../../src/core/ports.js';

export const NO_LIMITS: ApiKeyLimits = { maxConcurrentBatches: null, maxBytesPerDay: null };

/** Stores a new key named `name` and returns the key itself (`fm_…`). */
export async function createKey(
  store: ApiKeyStore,
  name: string,
  opts: { admin?: boolean; limits?: ApiKeyLimits } = {},
): Promise<string> {
  const secret = newApiKeySecret();
  await store.createApiKey({
    id: newApiKeyId(),
    name,
    admin: opts.admin ?? false,
    hash: secret.hash,
    prefix: secret.prefix,
    createdAt: Date.now(),
    limits: opts.limits ?? NO_LIMITS,
  });
  return secret.key;
}

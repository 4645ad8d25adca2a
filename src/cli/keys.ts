/**
 * `filemill keys create | list | revoke`: the operator's API keys, managed directly in the
 * configured database (FILEMILL_DATABASE_URL, or SQLite in FILEMILL_DATA_DIR — the one
 * `filemill serve` uses), not through a server: whoever can reach the database is the operator.
 * A key is printed once, at creation; only its hash is kept.
 */
import { Command, Option } from 'commander';
import {
  checkApiKeyName,
  newApiKeyId,
  newApiKeySecret,
  type ApiKey,
  type ApiKeyLimits,
} from '../core/api-keys.js';
import { AppError } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import type { ApiKeyStore } from '../core/ports.js';
import { iso } from '../core/time.js';
import { CliError } from './api-client.js';
import { cliConfig } from './config.js';

interface Common {
  dataDir?: string;
  json?: boolean;
}

interface CreateFlags extends Common {
  name: string;
  admin?: boolean;
  maxConcurrentBatches?: string;
  maxBytesPerDay?: string;
}

const dataDirOption = () =>
  new Option('--data-dir <path>', 'data folder of the SQLite database (FILEMILL_DATA_DIR, default ./data)');
const jsonOption = () => new Option('--json', 'print JSON for scripts');

export function keysCommand(): Command {
  const keys = new Command('keys').description(
    'Manage the API keys in the configured database (FILEMILL_DATABASE_URL, or SQLite in the data folder)',
  );

  keys
    .command('create')
    .description('Create a key and print it, once')
    .requiredOption('--name <name>', 'its name: 1–64 of A-Z a-z 0-9 . _ -, unique')
    .option('--admin', 'sees and manages every batch, not only its own')
    .option('--max-concurrent-batches <n>', 'its unfinished batches, at most')
    .option('--max-bytes-per-day <bytes>', 'bytes it may upload per day (units accepted: 10GiB)')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: CreateFlags) => {
      // Checked before the database is opened: a typo costs no connection.
      checked(() => checkApiKeyName(flags.name));
      const limits = await parseLimits(flags);
      const secret = newApiKeySecret();
      const key = await withKeyStore(flags, (store) =>
        store.createApiKey({
          id: newApiKeyId(),
          name: flags.name,
          admin: flags.admin === true,
          hash: secret.hash,
          prefix: secret.prefix,
          createdAt: Date.now(),
          limits,
        }),
      );
      if (flags.json) return printJson({ ...toJson(key), key: secret.key });
      const limitText = describeLimits(key.limits);
      process.stdout.write(
        `key ${key.name} created${key.admin ? ' (admin)' : ''}${limitText === 'none' ? '' : `, limits: ${limitText}`}:\n` +
          `${secret.key}\n` +
          'It will not be shown again: keep it now (filemill stores only its hash).\n',
      );
    });

  keys
    .command('list')
    .description('List the keys (never the keys themselves), oldest first')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (flags: Common) => {
      const list = await withKeyStore(flags, (store) => store.listApiKeys());
      if (flags.json) return printJson(list.map(toJson));
      process.stdout.write(list.length === 0 ? 'no keys\n' : `${table(list)}\n`);
    });

  keys
    .command('revoke')
    .description('Revoke a key: it stops working at once (its name stays taken)')
    .argument('<name>', 'the key’s name')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (name: string, flags: Common) => {
      const now = Date.now();
      const key = await withKeyStore(flags, (store) => store.revokeApiKey(name, now));
      if (flags.json) return printJson(toJson(key));
      const already = key.revokedAt !== now;
      process.stdout.write(
        already
          ? `key ${key.name} was already revoked (${iso(key.revokedAt) ?? 'at an unknown time'})\n`
          : `key ${key.name} revoked\n`,
      );
    });

  return keys;
}

/** Opens the configured, migrated store as `serve` would, runs `fn`, and closes it. */
async function withKeyStore<T>(flags: Common, fn: (store: ApiKeyStore) => Promise<T>): Promise<T> {
  const config = await cliConfig({ dataDir: flags.dataDir });
  // Loaded on demand, as `migrate` does: the other commands start without the server's modules.
  const { describeDatabase, openReadyStore } = await import('../server.js');
  const store = await checkedAsync(() => openReadyStore(config));
  try {
    return await checkedAsync(fn.bind(null, store)).catch((error: unknown) => {
      if (error instanceof CliError) throw error;
      // A query that failed on a database that answered: most likely one never migrated.
      const hint = config.migrate ? '' : ' (FILEMILL_MIGRATE=false: run `filemill migrate` first)';
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(`NOT_READY: ${describeDatabase(config)} failed: ${message}${hint}`);
    });
  } finally {
    await store.close().catch(() => undefined);
  }
}

/**
 * The limits from the flags.
 * @throws CliError INVALID_REQUEST, naming the flag and what it was given, for a value that
 *   is not a whole number from 1.
 */
async function parseLimits(flags: CreateFlags): Promise<ApiKeyLimits> {
  const { parseBytes } = await import('../config/load.js');
  const limit = (text: string | undefined, flag: string, expected: string, parse: (t: string) => number) => {
    if (text === undefined) return null;
    const value = parse(text.trim());
    if (Number.isSafeInteger(value) && value >= 1) return value;
    throw new CliError(`INVALID_REQUEST: ${flag} takes ${expected}, not ${JSON.stringify(text)}.`);
  };
  return {
    maxConcurrentBatches: limit(
      flags.maxConcurrentBatches,
      '--max-concurrent-batches',
      'a whole number from 1',
      (t) => (/^\d+$/.test(t) ? Number(t) : NaN),
    ),
    maxBytesPerDay: limit(
      flags.maxBytesPerDay,
      '--max-bytes-per-day',
      'a size from 1 byte such as 10GiB',
      parseBytes,
    ),
  };
}

/** Runs `fn`, turning an AppError into the CLI's one line (`CODE: sentence`, exit 1). */
function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw asCliError(error);
  }
}

async function checkedAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asCliError(error);
  }
}

function asCliError(error: unknown): unknown {
  return error instanceof AppError ? new CliError(`${error.code}: ${error.message}`) : error;
}

/** A key as `--json` prints it: times in ISO-8601, as the API shows them. */
function toJson(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    admin: key.admin,
    prefix: key.prefix,
    createdAt: iso(key.createdAt),
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
    limits: key.limits,
  };
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function describeLimits(limits: ApiKeyLimits): string {
  const parts: string[] = [];
  if (limits.maxConcurrentBatches !== null) parts.push(`${limits.maxConcurrentBatches} batches at once`);
  if (limits.maxBytesPerDay !== null) parts.push(`${formatBytes(limits.maxBytesPerDay)}/day`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** One line per key, columns aligned. */
function table(keys: ApiKey[]): string {
  const when = (ms: number | null, none: string) => (ms === null ? none : (iso(ms) ?? 'unknown'));
  const rows = [
    ['name', 'key', 'admin', 'created', 'last used', 'revoked', 'limits'],
    ...keys.map((k) => [
      k.name,
      `${k.prefix}…`,
      k.admin ? 'yes' : 'no',
      when(k.createdAt, 'unknown'),
      when(k.lastUsedAt, 'never'),
      when(k.revokedAt, '-'),
      describeLimits(k.limits),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

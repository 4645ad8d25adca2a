/**
 * Builds the one frozen, validated `Config` from defaults, `FILEMILL_*` environment variables
 * and command-line flags (flags win). Every problem is reported at once, each on one line
 * naming the setting.
 */
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { Compile } from 'typebox/compile';
import { once } from '../core/once.js';
import Value from 'typebox/value';
import { CommandsFileError, loadCommandsFile, type CommandSpec } from '../processors/commands/config.js';
import { createRegistry } from '../processors/registry.js';
import {
  BYTE_SETTINGS,
  ConfigSchema,
  ENV_NAMES,
  LIST_SETTINGS,
  type Config,
  type ConfigKey,
} from './schema.js';

/** Compiled once, by the first `loadConfig`: importing this module costs no compilation. */
const validator = once(() => Compile(ConfigSchema));

/** Thrown when the configuration is invalid; `problems` has one line per bad setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

/** `"50MiB"` → 52428800; a plain number is bytes. NaN when not understood. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return NaN;
  const factor = m[2] === '' ? 1 : UNITS[m[2]!.toLowerCase()];
  return factor === undefined ? NaN : Math.round(Number(m[1]) * factor);
}

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

/** `"a, b,,c"` → `['a', 'b', 'c']`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function convert(key: ConfigKey, raw: string): unknown {
  if (BYTE_SETTINGS.has(key)) return parseBytes(raw);
  if (LIST_SETTINGS.has(key)) return parseList(raw);
  const type = (ConfigSchema.properties[key] as { type?: string }).type;
  if (type === 'integer' || type === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (type === 'boolean') return BOOLEAN_WORDS[raw.trim().toLowerCase()] ?? raw;
  return raw;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already typed or as strings. */
  overrides?: Partial<Record<ConfigKey, string | number | undefined>>;
}

/** @throws ConfigError listing every bad setting. */
export function loadConfig({ env = process.env, overrides = {} }: LoadOptions = {}): Config {
  const raw: Record<string, unknown> = {};
  const source: Partial<Record<ConfigKey, string>> = {};
  /** What was written, for the message: `abc`, not the NaN it became. */
  const written: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of Object.keys(ENV_NAMES) as ConfigKey[]) {
    const fromEnv = env[ENV_NAMES[key]];
    if (fromEnv !== undefined && fromEnv !== '') {
      raw[key] = convert(key, fromEnv);
      source[key] = ENV_NAMES[key];
      written[key] = fromEnv;
    }
    const flag = overrides[key];
    if (flag !== undefined) {
      raw[key] = typeof flag === 'string' ? convert(key, flag) : flag;
      source[key] = `--${kebab(key)}`;
      written[key] = flag;
    }
  }
  const value = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  const problems: string[] = [];
  for (const error of validator().Errors(value)) {
    const key = error.instancePath.slice(1) as ConfigKey;
    if (!key || problems.some((p) => p.startsWith(`${source[key] ?? key}:`))) continue;
    const given = JSON.stringify(written[key] ?? raw[key]);
    problems.push(`${source[key] ?? key}: ${describe(error.message, key)} (got ${given})`);
  }
  const config = value as Config & Record<string, unknown>;
  if (problems.length === 0 && config.maxFileBytes > config.maxBatchBytes) {
    problems.push(`${ENV_NAMES.maxFileBytes}: must not exceed ${ENV_NAMES.maxBatchBytes}`);
  }
  if (
    problems.length === 0 &&
    config.requestTimeoutMs > 0 &&
    config.headersTimeoutMs > config.requestTimeoutMs
  ) {
    // Node refuses the pair: the headers are part of the request.
    problems.push(`${ENV_NAMES.headersTimeoutMs}: must not exceed ${ENV_NAMES.requestTimeoutMs}`);
  }
  if (config.databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    problems.push(
      `${source.databaseUrl ?? ENV_NAMES.databaseUrl}: must be a postgres:// URL or empty (SQLite)`,
    );
  }
  problems.push(...scaleOutProblems(config, source));
  const browser = browserSettings(config, source, problems);
  const commands = readCommands(config.commandsFile, source.commandsFile, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...config,
    commands: Object.freeze(commands),
    ...browser,
    dataDir: resolve(config.dataDir),
    nodeId: config.nodeId || `${hostname()}-${process.pid}`,
  });
}

/**
 * The operator commands of `file` (none when empty), checked now so that a typo stops the
 * start-up rather than failing every file later; problems are added to `problems`. Binaries
 * are looked up on this process's PATH, the one the commands will run with.
 */
function readCommands(file: string, source: string | undefined, problems: string[]): CommandSpec[] {
  if (file === '') return [];
  const reserved = new Set(
    createRegistry()
      .list()
      .map((p) => p.name),
  );
  try {
    return loadCommandsFile(resolve(file), { reserved, path: process.env.PATH });
  } catch (error) {
    if (!(error instanceof CommandsFileError)) throw error;
    for (const problem of error.problems) problems.push(`${source ?? ENV_NAMES.commandsFile}: ${problem}`);
    return [];
  }
}

/**
 * Combinations that cannot work across nodes: BullMQ needs Redis and a database every node
 * shares (SQLite is one process's file).
 */
function scaleOutProblems(config: Config, source: Partial<Record<ConfigKey, string>>): string[] {
  const name = (key: ConfigKey) => source[key] ?? ENV_NAMES[key];
  const problems: string[] = [];
  if (config.redisUrl !== '' && !/^rediss?:\/\//.test(config.redisUrl)) {
    problems.push(`${name('redisUrl')}: must be a redis:// or rediss:// URL, or empty`);
  }
  if (config.queue === 'bullmq') {
    if (config.redisUrl === '') problems.push(`${name('queue')}: bullmq needs ${name('redisUrl')}`);
    if (config.databaseUrl === '') {
      problems.push(
        `${name('queue')}: bullmq needs PostgreSQL (${name('databaseUrl')}): SQLite cannot be shared by several nodes`,
      );
    }
  }
  return problems;
}

/**
 * The Host names and CORS origins, checked and in the form requests are compared with: host
 * names lower-case without a final dot, origins as a browser sends them
 * (`https://app.example.com`, no default port, no path). Problems are added to `problems`.
 */
function browserSettings(
  config: Config,
  source: Partial<Record<ConfigKey, string>>,
  problems: string[],
): { allowedHosts: string[]; corsOrigins: string[] } {
  const name = (key: ConfigKey) => source[key] ?? ENV_NAMES[key];
  const allowedHosts: string[] = [];
  for (const entry of config.allowedHosts ?? []) {
    if (entry === '*' || /^[A-Za-z0-9_]([A-Za-z0-9_.-]*)$/.test(entry)) {
      allowedHosts.push(entry.toLowerCase().replace(/\.$/, ''));
    } else {
      problems.push(
        `${name('allowedHosts')}: each entry must be a host name without scheme or port, such as files.example.com, or * (got ${JSON.stringify(entry)})`,
      );
    }
  }
  const corsOrigins: string[] = [];
  for (const entry of config.corsOrigins ?? []) {
    const origin = asOrigin(entry);
    if (origin !== null) corsOrigins.push(origin);
    else {
      problems.push(
        `${name('corsOrigins')}: each entry must be an origin, scheme and host (and port) only, such as https://app.example.com (got ${JSON.stringify(entry)})`,
      );
    }
  }
  return { allowedHosts, corsOrigins };
}

/** `https://App.example.com:443/` → `https://app.example.com`; null when `text` is not just an origin. */
function asOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare =
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return bare && web && !text.includes('?') && !text.includes('#') ? url.origin : null;
}

function describe(message: string, key: ConfigKey): string {
  const schema = ConfigSchema.properties[key] as { enum?: string[] };
  if (schema.enum) return `must be one of ${schema.enum.join(', ')}`;
  if (message.includes('integer') || message.includes('number')) {
    return BYTE_SETTINGS.has(key) ? 'must be a size in bytes such as 52428800 or 50MiB' : message;
  }
  return message;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

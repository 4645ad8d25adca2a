/**
 * Operator commands as declared in `FILEMILL_COMMANDS_FILE`: the file's schema and its
 * start-up validation. Every problem becomes one line naming the command, so a bad file
 * stops the server with a sentence, not a stack trace. What passes is a list of
 * {@link CommandSpec}s with the binary resolved to an absolute path, the one form the server
 * hands to its worker children (they have no PATH to search and may not read the file).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { once } from '../../core/once.js';

/** Lowercase words joined by dashes, like the built-in processors' names. */
const NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
/** The placeholders filemill fills in; any other `{word}` in argv is a mistake. */
const PLACEHOLDERS = ['{input}', '{output}'] as const;
/** Longest timeout a command may declare, in ms: a day. */
const MAX_TIMEOUT_MS = 86_400_000;

const CommandSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN, maxLength: 64 }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    /** Sniffed content types, e.g. `application/pdf`; `*` + `/*` takes anything. */
    accepts: Type.Array(Type.String({ pattern: '^(\\*/\\*|[\\w.+-]+/[\\w.+-]+)$' }), { minItems: 1 }),
    argv: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    outputExt: Type.String({ pattern: '^\\.[A-Za-z0-9]{1,16}$' }),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: MAX_TIMEOUT_MS })),
    /** Keep the host's network in the sandbox (bubblewrap): only for a command that needs it. */
    network: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const CommandsFileSchema = Type.Object(
  { commands: Type.Array(CommandSchema, { minItems: 1 }) },
  { additionalProperties: false },
);

/** Compiled once, when a commands file is first checked: a server without one never needs it. */
const validator = once(() => Compile(CommandsFileSchema));

export type CommandDeclaration = Static<typeof CommandSchema>;

/** A validated command. `binary` is argv[0] resolved to an absolute, executable path. */
export interface CommandSpec extends CommandDeclaration {
  binary: string;
}

/** Thrown when the commands file is unusable; `problems` has one line each. */
export class CommandsFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'CommandsFileError';
  }
}

export interface ValidateOptions {
  /** Names already taken (the built-in processors). */
  reserved: ReadonlySet<string>;
  /** The PATH to look binaries up in. */
  path: string | undefined;
}

/** Reads and validates the commands file at `file` (absolute). @throws CommandsFileError */
export function loadCommandsFile(file: string, opts: ValidateOptions): CommandSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CommandsFileError([`cannot be read as JSON (${why})`]);
  }
  return validateCommands(raw, opts);
}

/** Checks a parsed commands file. @throws CommandsFileError listing every problem. */
export function validateCommands(raw: unknown, opts: ValidateOptions): CommandSpec[] {
  const schemaProblems = [...validator().Errors(raw)].flatMap((error) => {
    // Each unknown field is reported twice; the summary names them all.
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) return [];
    const fields = (error.params as { additionalProperties?: unknown }).additionalProperties;
    const message = Array.isArray(fields) ? `has unknown fields: ${fields.join(', ')}` : error.message;
    return [`${where(raw, error.instancePath)}${message}`];
  });
  if (schemaProblems.length > 0) throw new CommandsFileError(unique(schemaProblems));
  const { commands } = raw as Static<typeof CommandsFileSchema>;
  const problems: string[] = [];
  const seen = new Set<string>();
  const specs: CommandSpec[] = [];
  for (const command of commands) {
    const label = `command "${command.name}": `;
    if (opts.reserved.has(command.name)) problems.push(`${label}the name of a built-in processor`);
    else if (seen.has(command.name)) problems.push(`${label}declared twice`);
    seen.add(command.name);
    problems.push(...placeholderProblems(command.argv).map((p) => label + p));
    const binary = resolveBinary(command.argv[0]!, opts.path);
    if (!binary) problems.push(`${label}binary "${command.argv[0]}" not found on PATH or not executable`);
    else specs.push({ ...command, binary });
  }
  if (problems.length > 0) throw new CommandsFileError(problems);
  return specs;
}

function placeholderProblems(argv: readonly string[]): string[] {
  const problems: string[] = [];
  if (/\{[^}]*\}/.test(argv[0]!)) problems.push('argv[0] (the binary) may not hold a placeholder');
  argv.forEach((arg, i) => {
    for (const found of arg.match(/\{[^}]*\}/g) ?? []) {
      if (!(PLACEHOLDERS as readonly string[]).includes(found)) {
        problems.push(`argv[${i}] has the unknown placeholder ${found} (only {input} and {output} exist)`);
      }
    }
  });
  for (const placeholder of PLACEHOLDERS) {
    if (!argv.some((arg) => arg.includes(placeholder))) problems.push(`argv never uses ${placeholder}`);
  }
  return problems;
}

/**
 * argv[0] as an absolute path to an executable file: taken as is when absolute, else looked
 * up in `path` like a shell would (no shell is ever used to run it). A relative path with a
 * slash (`./tool`) is refused: it would depend on the server's working folder.
 */
export function resolveBinary(name: string, path: string | undefined): string | null {
  if (name.includes('/')) return isAbsolute(name) && isExecutableFile(name) ? name : null;
  for (const dir of (path ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command "x": ` (or `commands[2]: `) and the field, for a schema error at `pointer`. */
function where(raw: unknown, pointer: string): string {
  const match = /^\/commands\/(\d+)(?:\/(.*))?$/.exec(pointer);
  if (!match) return pointer ? `${pointer.slice(1)}: ` : '';
  const entry = (raw as { commands: unknown[] }).commands[Number(match[1])];
  const name = (entry as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' ? `command "${name}"` : `commands[${match[1]}]`;
  return match[2] ? `${label}: ${match[2].replace(/\//g, '.')} ` : `${label}: `;
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

/** The environment variable through which the server hands the validated specs to its children. */
export const COMMANDS_ENV = 'FILEMILL_COMMANDS';

/**
 * The specs the server handed over in `FILEMILL_COMMANDS` (JSON), in a worker child; [] when
 * unset. Checked by shape again, not against PATH (the server did that; the child has none).
 */
export function commandsFromEnv(env: NodeJS.ProcessEnv): CommandSpec[] {
  const text = env[COMMANDS_ENV];
  if (!text) return [];
  const parsed = JSON.parse(text) as { commands?: unknown };
  const specs = Array.isArray(parsed.commands) ? (parsed.commands as CommandSpec[]) : [];
  const declarations = specs.map(({ binary: _binary, ...declaration }) => declaration);
  if (!validator().Check({ commands: declarations }) || specs.some((s) => !isAbsolute(String(s.binary)))) {
    throw new Error(`${COMMANDS_ENV} does not hold valid command specs.`);
  }
  return specs;
}

/** The value of `FILEMILL_COMMANDS` for these specs. */
export function commandsToEnv(specs: readonly CommandSpec[]): string {
  return JSON.stringify({ commands: specs });
}

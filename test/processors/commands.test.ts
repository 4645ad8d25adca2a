/**
 * Operator commands: the commands file's start-up checks (one line per problem, naming the
 * command), the descriptor's output naming, and the run module on its own — a real binary,
 * arguments passed verbatim with no shell, a minimal environment, failures with their exit
 * code and stderr without paths, and every way a command is stopped killing its whole
 * process tree (a grandchild included).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import {
  CommandsFileError,
  resolveBinary,
  validateCommands,
  type CommandSpec,
} from '../../src/processors/commands/config.js';
import { commandDescriptor } from '../../src/processors/commands/descriptor.js';
import { runCommand } from '../../src/processors/commands/run.js';
import { ProcessorError, type RunContext } from '../../src/processors/processor.js';
import { resolveSettings } from '../../src/processors/settings.js';
import { assertAllGone, readPids } from './command-fixtures.js';
import { plainPdf } from './pdf-fixtures.js';

const TOOL = fileURLToPath(new URL('../fixtures/commands/tool.sh', import.meta.url));
const reserved = new Set(['image', 'pdf-sanitize']);
const opts = { reserved, path: process.env.PATH };

const declaration = {
  name: 'pdf-to-text',
  title: 'PDF to plain text',
  accepts: ['application/pdf'],
  argv: ['cp', '{input}', '{output}'],
  outputExt: '.txt',
  timeoutMs: 30_000,
};

/** The problems `commands` is refused with. */
function problems(commands: unknown): string[] {
  try {
    validateCommands(commands, opts);
  } catch (error) {
    assert.ok(error instanceof CommandsFileError);
    return error.problems;
  }
  assert.fail('the commands were accepted');
}

describe('commands file: start-up checks', () => {
  it('accepts the documented format and resolves the binary on PATH', () => {
    const [spec] = validateCommands({ commands: [declaration] }, opts);
    assert.equal(spec!.binary, resolveBinary('cp', process.env.PATH));
    assert.match(spec!.binary, /^\/.*\/cp$/);
  });

  it('names the command and the binary that is not on PATH', () => {
    assert.deepEqual(
      problems({ commands: [{ ...declaration, argv: ['no-such-tool-x', '{input}', '{output}'] }] }),
      ['command "pdf-to-text": binary "no-such-tool-x" not found on PATH or not executable'],
    );
  });

  it('refuses a relative binary path and a file that is not executable', () => {
    assert.match(
      problems({ commands: [{ ...declaration, argv: ['./tool', '{input}', '{output}'] }] })[0]!,
      /binary "\.\/tool" not found/,
    );
    const notExecutable = fileURLToPath(import.meta.url);
    assert.match(
      problems({ commands: [{ ...declaration, argv: [notExecutable, '{input}', '{output}'] }] })[0]!,
      /not executable/,
    );
  });

  it('refuses an unknown placeholder, and argv without {input} or {output}', () => {
    assert.deepEqual(problems({ commands: [{ ...declaration, argv: ['cp', '{input}', '{outdir}/x'] }] }), [
      'command "pdf-to-text": argv[2] has the unknown placeholder {outdir} (only {input} and {output} exist)',
      'command "pdf-to-text": argv never uses {output}',
    ]);
    assert.deepEqual(problems({ commands: [{ ...declaration, argv: ['cp', 'a', '{output}'] }] }), [
      'command "pdf-to-text": argv never uses {input}',
    ]);
  });

  it('refuses the name of a built-in processor, a name declared twice, and a name unlike ours', () => {
    assert.deepEqual(problems({ commands: [{ ...declaration, name: 'image' }] }), [
      'command "image": the name of a built-in processor',
    ]);
    assert.deepEqual(problems({ commands: [declaration, declaration] }), [
      'command "pdf-to-text": declared twice',
    ]);
    assert.match(
      problems({ commands: [{ ...declaration, name: 'PDF to text' }] })[0]!,
      /^command "PDF to text": name must match pattern/,
    );
  });

  it('refuses empty accepts, an outputExt without its dot, an unbounded timeout and unknown fields', () => {
    const bad = {
      commands: [{ ...declaration, accepts: [], outputExt: 'txt', timeoutMs: 10 ** 12, shell: true }],
    };
    const lines = problems(bad);
    assert.deepEqual(lines, [
      'command "pdf-to-text": has unknown fields: shell',
      'command "pdf-to-text": accepts must not have fewer than 1 items',
      'command "pdf-to-text": outputExt must match pattern "^\\.[A-Za-z0-9]{1,16}$"',
      'command "pdf-to-text": timeoutMs must be <= 86400000',
    ]);
    assert.deepEqual(problems({ commands: [] }), ['commands: must not have fewer than 1 items']);
  });

  describe('through the server config', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'filemill-commands-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    async function configWith(content: string) {
      const file = join(dir, `commands-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, content);
      return () => loadConfig({ env: { FILEMILL_COMMANDS_FILE: file } });
    }

    it('stops with one line naming the setting, the command and the missing binary', async () => {
      const load = await configWith(
        JSON.stringify({
          commands: [{ ...declaration, argv: ['pdftotext-missing', '{input}', '{output}'] }],
        }),
      );
      assert.throws(load, (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'FILEMILL_COMMANDS_FILE: command "pdf-to-text": binary "pdftotext-missing" not found on PATH or not executable',
        ]);
        return true;
      });
    });

    it('stops on a file that is not JSON, or not there', async () => {
      const load = await configWith('{ "commands": [');
      assert.throws(load, { message: /^FILEMILL_COMMANDS_FILE: cannot be read as JSON \(.+\)$/ });
      assert.throws(() => loadConfig({ env: { FILEMILL_COMMANDS_FILE: join(dir, 'absent.json') } }), {
        message: 'FILEMILL_COMMANDS_FILE: cannot be read as JSON (ENOENT)',
      });
    });

    it('holds the checked commands, frozen; none without the setting', async () => {
      const config = (await configWith(JSON.stringify({ commands: [declaration] })))();
      assert.deepEqual(
        config.commands.map((c) => c.name),
        ['pdf-to-text'],
      );
      assert.ok(Object.isFrozen(config.commands));
      assert.deepEqual(loadConfig({ env: {} }).commands, []);
    });
  });
});

describe('command descriptor', () => {
  it('has no settings a client could pass, and names the output by outputExt', () => {
    const descriptor = commandDescriptor({ ...declaration, binary: '/bin/cp' });
    assert.equal(descriptor.name, 'pdf-to-text');
    const schema = descriptor.settingsSchema as { properties?: object; additionalProperties?: boolean };
    assert.deepEqual(schema.properties, {});
    assert.equal(schema.additionalProperties, false);
    assert.throws(() => resolveSettings(descriptor, undefined, { args: '--rm' }), {
      code: 'INVALID_SETTINGS',
    });
    assert.equal(descriptor.outputName('trip/report.pdf', 'application/pdf', {}), 'trip/report.txt');
    assert.equal(descriptor.outputName('README', null, {}), 'README.txt');
  });
});

describe('command run', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-command-run-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const limits = { maxInputPixels: 1, maxOutputBytes: 1_000_000 };
  function spec(argv: string[], extra: Partial<CommandSpec> = {}): CommandSpec {
    return { ...declaration, argv, binary: argv[0]!, timeoutMs: 30_000, ...extra };
  }
  function context(signal = new AbortController().signal): RunContext {
    return { progress: () => undefined, signal, limits };
  }
  async function file(content = 'hello from the input\n') {
    n += 1;
    const inputPath = join(dir, `in-${n}`);
    await writeFile(inputPath, content);
    return { inputPath, outputPath: join(dir, `out-${n}`), contentType: null, name: 'docs/report.pdf' };
  }
  /** The ProcessorError a run failed with. */
  async function failure(run: Promise<unknown>): Promise<ProcessorError> {
    const error = await run.then(
      () => assert.fail('the run succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProcessorError, String(error));
    return error;
  }

  it('runs a real binary and keeps what it wrote, typed by its extension when it has no signature', async () => {
    const input = await file();
    const cp = resolveBinary('cp', process.env.PATH)!;
    const result = await runCommand(spec([cp, '{input}', '{output}']), input, context());
    assert.equal(await readFile(input.outputPath, 'utf8'), 'hello from the input\n');
    assert.equal(result.outputType, 'text/plain; charset=utf-8');
  });

  const pdftotext = resolveBinary('pdftotext', process.env.PATH);
  it(
    'runs the recipe of the API docs, pdftotext, into plain text',
    { skip: pdftotext ? false : 'pdftotext (poppler-utils) is not installed' },
    async () => {
      const input = await file();
      await writeFile(input.inputPath, await plainPdf(2));
      const argv = [pdftotext!, '-layout', '{input}', '{output}'];
      const result = await runCommand(spec(argv), input, context());
      assert.match(await readFile(input.outputPath, 'utf8'), /Page 1[\s\S]*Page 2/);
      assert.equal(result.outputType, 'text/plain; charset=utf-8');
    },
  );

  it('passes each argument verbatim, with no shell to expand it', async () => {
    const input = await file();
    await runCommand(
      spec([TOOL, 'args', '{input}', '{output}', '$(id) ; rm -rf ~ `x` *', '--x={output}']),
      input,
      context(),
    );
    const lines = (await readFile(input.outputPath, 'utf8')).trimEnd().split('\n');
    assert.equal(lines[3], '$(id) ; rm -rf ~ `x` *');
    assert.match(lines[4]!, /^--x=\/.*\/output\.txt$/);
    assert.match(lines[1]!, /\/input\.pdf$/, 'the input keeps its extension');
  });

  it("gives the command a minimal environment, not the server's", async () => {
    process.env.FILEMILL_SECRET_FOR_TEST = 'do-not-leak';
    const input = await file();
    await runCommand(spec([TOOL, 'env', '{input}', '{output}']), input, context());
    const env = await readFile(input.outputPath, 'utf8');
    assert.doesNotMatch(env, /do-not-leak/);
    assert.match(env, /^PATH=/m);
    assert.match(env, /^HOME=\/.*command-/m);
  });

  it('fails with COMMAND_FAILED, the exit code and the end of stderr, paths replaced by the name', async () => {
    const input = await file();
    const error = await failure(runCommand(spec([TOOL, 'fail', '{input}', '{output}']), input, context()));
    assert.equal(error.code, 'COMMAND_FAILED');
    assert.match(error.message, /^The command "pdf-to-text" exited with code 3: /);
    assert.match(error.message, /tool: cannot convert "docs\/report\.pdf" into the output/);
    assert.ok(!error.message.includes(dir), error.message);
    await assert.rejects(stat(input.outputPath), { code: 'ENOENT' });
  });

  it('fails with COMMAND_FAILED when the command exits 0 but wrote nothing', async () => {
    const input = await file();
    const error = await failure(runCommand(spec([TOOL, 'none', '{input}', '{output}']), input, context()));
    assert.equal(error.code, 'COMMAND_FAILED');
    assert.equal(error.message, 'The command "pdf-to-text" exited with 0 but wrote no output file.');
  });

  it('fails with OUTPUT_TOO_LARGE when the output is over the limit', async () => {
    const input = await file();
    const error = await failure(runCommand(spec([TOOL, 'big', '{input}', '{output}']), input, context()));
    assert.equal(error.code, 'OUTPUT_TOO_LARGE');
    await assert.rejects(stat(input.outputPath), { code: 'ENOENT' });
  });

  it('fails with COMMAND_FAILED when the binary is gone since start-up', async () => {
    const input = await file();
    const error = await failure(
      runCommand(spec([join(dir, 'gone'), '{input}', '{output}']), input, context()),
    );
    assert.equal(error.code, 'COMMAND_FAILED');
    assert.match(error.message, /could not be started \(ENOENT\)/);
  });

  it('kills the whole process tree past timeoutMs and fails with TIMEOUT', async () => {
    const input = await file();
    const pidFile = join(dir, `pids-${n}`);
    const run = runCommand(
      spec([TOOL, 'hang', '{input}', '{output}', pidFile], { timeoutMs: 1500 }),
      input,
      context(),
    );
    const error = await failure(run);
    assert.equal(error.code, 'TIMEOUT');
    assert.match(error.message, /took longer than its limit of 1500 ms/);
    await assertAllGone(await readPids(pidFile));
  });

  it('kills the whole process tree when the run is aborted', async () => {
    const input = await file();
    const pidFile = join(dir, `pids-${n}`);
    const stop = new AbortController();
    const run = runCommand(spec([TOOL, 'hang', '{input}', '{output}', pidFile]), input, context(stop.signal));
    const pids = await readPids(pidFile);
    stop.abort();
    await assert.rejects(run, /was stopped/);
    await assertAllGone(pids);
  });

  it('removes its work folder whatever happens', async () => {
    const input = await file();
    await failure(runCommand(spec([TOOL, 'fail', '{input}', '{output}']), input, context()));
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.includes('command-')),
      [],
    );
  });
});

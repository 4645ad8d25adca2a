/**
 * The bind rule, as an operator meets it with `filemill serve`: a non-loopback address with no
 * API key is refused at start with one line saying how to make a key; `FILEMILL_AUTH=none`
 * starts it anyway with a warning in the log; once a key exists it starts with none.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filemill, startFilemillCli, type RunningCli } from './support/cli.js';

const SERVE = ['serve', '--host', '0.0.0.0', '--port', '0', '--concurrency', '1'];
const OPEN_WARNING = /FILEMILL_AUTH=none and no API key: anyone who can reach this server/;

/** Starts `filemill serve` and resolves with its address once it listens, and all it printed. */
async function served(cli: RunningCli): Promise<{ url: string; output: () => string }> {
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  cli.child.stdout!.on('data', collect);
  cli.child.stderr!.on('data', collect);
  const url = await new Promise<string>((resolve, reject) => {
    const look = () => {
      const found = /filemill (http:\/\/[\d.:]+) /.exec(output)?.[1];
      if (found) resolve(found);
    };
    cli.child.stdout!.on('data', look);
    cli.child.stderr!.on('data', look);
    void cli.exited.then((result) => reject(new Error(`serve exited (${result.code}):\n${output}`)));
  });
  return { url, output: () => output };
}

/** Stops a server that runs (SIGTERM), which then exits cleanly. */
async function stop(cli: RunningCli): Promise<void> {
  if (cli.child.exitCode !== null) return;
  cli.child.kill('SIGTERM');
  const result = await cli.exited;
  assert.equal(result.code, 0, result.stderr);
}

describe('filemill serve on a non-loopback address', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'filemill-bind-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses to start with no API key, in one line that says how to create one', async () => {
    const result = await filemill([...SERVE, '--data-dir', dataDir], { FILEMILL_AUTH: '' });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^filemill: FORBIDDEN: Refusing to listen on 0\.0\.0\.0 with no API key: [^\n]*`filemill keys create --name NAME`[^\n]*FILEMILL_AUTH=none[^\n]*\n$/,
    );
  });

  it('starts with FILEMILL_AUTH=none, warning that anyone who reaches it has full access', async () => {
    const cli = startFilemillCli([...SERVE, '--data-dir', dataDir], {
      FILEMILL_AUTH: 'none',
      FILEMILL_LOG_LEVEL: 'warn',
    });
    const { url, output } = await served(cli);
    try {
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.match(output(), OPEN_WARNING);
      assert.match(output(), /"level":40/);
    } finally {
      await stop(cli);
    }
  });

  it('starts with no setting once a key exists, and without the warning', async () => {
    const key = await filemill(['keys', 'create', '--name', 'ops', '--data-dir', dataDir]);
    assert.equal(key.code, 0, key.stderr);
    const cli = startFilemillCli([...SERVE, '--data-dir', dataDir], {
      FILEMILL_AUTH: '',
      FILEMILL_LOG_LEVEL: 'warn',
    });
    const { url, output } = await served(cli);
    try {
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.doesNotMatch(output(), OPEN_WARNING);
    } finally {
      await stop(cli);
    }
  });

  it('starts on loopback with no key and no setting, as before', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'filemill-bind-'));
    const cli = startFilemillCli(['serve', '--port', '0', '--concurrency', '1', '--data-dir', fresh], {
      FILEMILL_AUTH: '',
      FILEMILL_HOST: '',
      FILEMILL_LOG_LEVEL: 'warn',
    });
    try {
      const { url, output } = await served(cli);
      assert.match(url, /^http:\/\/127\.0\.0\.1:/);
      assert.doesNotMatch(output(), OPEN_WARNING);
    } finally {
      await stop(cli);
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

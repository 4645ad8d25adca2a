/**
 * The sandbox's command line, checked flag by flag (no process started): what a worker may
 * see and do is decided here, so a flag lost in a refactoring must fail a test.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  bwrapArgs,
  codePaths,
  JOB_IN,
  JOB_OUT,
  prlimitArgs,
  sandboxCommand,
  type BwrapLayout,
} from '../../src/worker/bwrap.js';

const layout: BwrapLayout = {
  readOnly: ['/srv/filemill/package.json', '/srv/filemill/node_modules', '/srv/filemill/dist'],
  inDir: '/srv/data/sandbox/h-1/w-a/in',
  outDir: '/srv/data/sandbox/h-1/w-a/out',
  cwd: '/srv/filemill',
  network: false,
};
const system = ['--ro-bind', '/usr', '/usr'];
const TOOLS = { prlimit: '/usr/bin/prlimit', bwrap: '/usr/bin/bwrap', setpriv: '/usr/bin/setpriv' };

/** The flag's operands wherever `flag` appears, e.g. every `--ro-bind SRC DEST` pair. */
function operands(args: readonly string[], flag: string, count: number): string[][] {
  const found: string[][] = [];
  args.forEach((arg, i) => {
    if (arg === flag) found.push(args.slice(i + 1, i + 1 + count));
  });
  return found;
}

describe('the bubblewrap command line', () => {
  it('gives a worker new namespaces, no network, a new session, and death with its parent', () => {
    const args = bwrapArgs(layout, system);
    for (const flag of ['--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-net']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.ok(args.includes('--die-with-parent'));
    assert.ok(args.includes('--new-session'));
    assert.deepEqual(operands(args, '--tmpfs', 1), [['/tmp']]);
    assert.deepEqual(operands(args, '--proc', 1), [['/proc']]);
  });

  it('keeps the network only for a profile that asks for it', () => {
    assert.ok(!bwrapArgs({ ...layout, network: true }, system).includes('--unshare-net'));
  });

  it('binds the code read-only at its place, the file read-only and the output writable', () => {
    const args = bwrapArgs(layout, system);
    const readOnly = operands(args, '--ro-bind', 2);
    for (const path of layout.readOnly)
      assert.ok(
        readOnly.some(([a, b]) => a === path && b === path),
        path,
      );
    assert.ok(readOnly.some(([a, b]) => a === layout.inDir && b === JOB_IN));
    assert.deepEqual(operands(args, '--bind', 2), [[layout.outDir, JOB_OUT]]);
    assert.ok(!args.includes('/srv/data'), 'nothing else of the data folder');
    assert.deepEqual(operands(args, '--chdir', 1), [['/srv/filemill']]);
  });

  it('makes the mount points above the binds traversable (bwrap makes them 0700)', () => {
    const args = bwrapArgs(layout, system);
    const dirs = operands(args, '--dir', 1).map(([dir]) => dir);
    assert.deepEqual(dirs, ['/job', '/srv', '/srv/filemill']);
    for (const [i, arg] of args.entries()) {
      if (arg === '--dir') assert.deepEqual(args.slice(i - 2, i), ['--perms', '0755']);
    }
  });

  it('binds a writable extra (the test state folder) only when given one', () => {
    const args = bwrapArgs({ ...layout, readWrite: ['/var/tmp/state'] }, system);
    assert.deepEqual(operands(args, '--bind', 2), [
      ['/var/tmp/state', '/var/tmp/state'],
      [layout.outDir, JOB_OUT],
    ]);
  });

  it('sets rlimits: output size, open files, no core dumps; processes only with a uid of its own', () => {
    assert.deepEqual(prlimitArgs({ fileSizeBytes: 1000, openFiles: 64, processes: null }), [
      '--fsize=1000',
      '--nofile=64',
      '--core=0',
    ]);
    assert.ok(prlimitArgs({ fileSizeBytes: 1, openFiles: 1, processes: 512 }).includes('--nproc=512'));
  });

  it('drops to the given uid with no groups and no capabilities before the program runs', () => {
    const limits = { fileSizeBytes: 10, openFiles: 10, processes: 10 };
    const dropped = sandboxCommand(TOOLS, layout, limits, { uid: 1234, gid: 1234 }, '/usr/bin/node', [
      'child.js',
    ]);
    assert.equal(dropped.file, '/usr/bin/prlimit');
    const rest = dropped.args.slice(dropped.args.indexOf('/usr/bin/setpriv'));
    assert.deepEqual(rest.slice(0, 7), [
      '/usr/bin/setpriv',
      '--reuid=1234',
      '--regid=1234',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--',
    ]);
    assert.deepEqual(dropped.args.slice(-2), ['/usr/bin/node', 'child.js']);
    const kept = sandboxCommand(TOOLS, layout, limits, null, '/usr/bin/node', ['child.js']);
    assert.ok(!kept.args.includes('/usr/bin/setpriv'));
  });
});

describe('the code a sandboxed worker gets', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'filemill-code-'));
    for (const dir of ['node_modules', 'dist', 'src', 'data', '.git', 'test']) await mkdir(join(root, dir));
    for (const file of ['package.json', 'tsconfig.json', 'commands.json', '.env']) {
      await writeFile(join(root, file), '{}');
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('is the package, its dependencies and the build: not the data folder, .git or config', () => {
    assert.deepEqual(
      codePaths(root, false).sort(),
      ['dist', 'node_modules', 'package.json'].map((n) => join(root, n)),
    );
  });

  it('adds the sources and the tsconfig files under tsx', () => {
    assert.deepEqual(
      codePaths(root, true).sort(),
      ['dist', 'node_modules', 'package.json', 'src', 'tsconfig.json'].map((n) => join(root, n)),
    );
  });
});

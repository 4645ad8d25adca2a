/** The flags a child is started with: heap cap, permission model, TypeScript loader, environment. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildEnv,
  buildExecArgv,
  findCodeRoot,
  invertCase,
  permissionFlag,
} from '../../src/worker/exec-args.js';

const base = {
  memoryMb: 1024,
  permissionModel: true,
  allowRead: ['/data'],
  allowWrite: ['/data/blobs'],
  codeRoot: '/app',
  tsxLoader: null,
  permissionFlag: '--permission',
};

describe('buildExecArgv', () => {
  it('caps the V8 heap below the RSS limit', () => {
    assert.deepEqual(buildExecArgv({ ...base, permissionModel: false }), ['--max-old-space-size=768']);
  });

  it('confines file access and allows addons, but not child processes or workers, for built code', () => {
    const argv = buildExecArgv(base);
    assert.deepEqual(argv, [
      '--max-old-space-size=768',
      '--permission',
      '--allow-fs-read=/app',
      '--allow-fs-read=/data',
      '--allow-fs-write=/data/blobs',
      '--allow-addons',
    ]);
  });

  it('allows child processes, and nothing more, only when operator commands are configured', () => {
    const argv = buildExecArgv({ ...base, allowChildProcess: true });
    assert.deepEqual(argv.slice(-2), ['--allow-addons', '--allow-child-process']);
    assert.ok(!argv.includes('--allow-worker'));
    assert.ok(!buildExecArgv(base).includes('--allow-child-process'));
  });

  it('adds what the tsx loader needs when the child runs TypeScript', () => {
    const argv = buildExecArgv({ ...base, tsxLoader: 'file:///app/node_modules/tsx/dist/loader.mjs' });
    assert.ok(argv.includes('--allow-fs-read=/APP'));
    assert.ok(argv.includes('--allow-worker') && argv.includes('--allow-child-process'));
    assert.equal(argv.at(-1), '--import=file:///app/node_modules/tsx/dist/loader.mjs');
  });

  it('refuses relative paths and commas', () => {
    assert.throws(() => buildExecArgv({ ...base, allowRead: ['data'] }), /absolute/);
    assert.throws(() => buildExecArgv({ ...base, allowWrite: ['/a,b'] }), /comma/);
  });

  it('refuses the permission model on a runtime without one', () => {
    assert.throws(() => buildExecArgv({ ...base, permissionFlag: null }), /no permission model/);
  });
});

describe('permissionFlag', () => {
  it('prefers --permission and falls back to the Node 20 flag', () => {
    assert.equal(permissionFlag(new Set(['--permission', '--experimental-permission'])), '--permission');
    assert.equal(permissionFlag(new Set(['--experimental-permission'])), '--experimental-permission');
    assert.equal(permissionFlag(new Set()), null);
    assert.notEqual(permissionFlag(), null, 'this Node has a permission model');
  });
});

describe('buildEnv', () => {
  it("passes on only an allow-list of the parent's variables", () => {
    const env = buildEnv(
      {
        NODE_ENV: 'test',
        FILEMILL_DATABASE_URL: 'postgres://u:p@h/db',
        FILEMILL_TEST_PROCESSORS: '/t.ts',
        PATH: '/bin',
      },
      { EXTRA: '1' },
      { permissionModel: true, typescript: false },
    );
    assert.deepEqual(env, {
      NODE_ENV: 'test',
      FILEMILL_TEST_PROCESSORS: '/t.ts',
      EXTRA: '1',
      VIPS_BLOCK_UNTRUSTED: '1',
    });
  });

  it("turns tsx's cache off when the child cannot write the temp folder", () => {
    assert.equal(buildEnv({}, {}, { permissionModel: true, typescript: true }).TSX_DISABLE_CACHE, '1');
  });
});

describe('helpers', () => {
  it('finds the project root and inverts case', () => {
    const root = findCodeRoot();
    assert.equal(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name, 'filemill');
    assert.equal(invertCase('/Work/main1'), '/wORK/MAIN1');
  });
});

/**
 * Operator commands through a real server: declared in FILEMILL_COMMANDS_FILE, listed by
 * GET /api/processors, run on a batch where one file succeeds and one fails, closed to
 * client arguments, and cancelled with their whole process tree.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { assertAllGone, pidsWithMarker } from '../processors/command-fixtures.js';
import {
  allFiles,
  getJson,
  postJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';

/** In the command line of the hanging command's processes, for finding them from the host. */
const HANG_MARKER = `filemill-hang-${randomUUID()}`;
const TOOL = fileURLToPath(new URL('../fixtures/commands/tool.sh', import.meta.url));

describe('operator commands', () => {
  let dir: string;
  let server: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filemill-commands-'));
    const commands = {
      commands: [
        {
          name: 'checked-copy',
          title: 'Copies files that do not say BAD',
          accepts: ['*/*'],
          argv: [TOOL, 'check', '{input}', '{output}'],
          outputExt: '.out',
          timeoutMs: 30_000,
        },
        {
          name: 'hang',
          title: 'Never ends',
          accepts: ['*/*'],
          argv: [TOOL, 'hang-marked', '{input}', '{output}', HANG_MARKER],
          outputExt: '.out',
        },
      ],
    };
    await writeFile(join(dir, 'commands.json'), JSON.stringify(commands));
    server = await startTestServer({ commandsFile: join(dir, 'commands.json'), concurrency: 2 });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists each command as a processor with no settings', async () => {
    const { body } = await getJson(`${server.url}/api/processors`);
    const command = body.find((p: any) => p.name === 'checked-copy');
    assert.ok(command, JSON.stringify(body.map((p: any) => p.name)));
    assert.equal(command.title, 'Copies files that do not say BAD');
    assert.deepEqual(command.accepts, ['*/*']);
    assert.deepEqual(command.settingsSchema.properties, {});
    assert.ok(
      body.some((p: any) => p.name === 'image'),
      'the built-ins are still there',
    );
  });

  it('runs a batch through a command: one file succeeds, one fails with COMMAND_FAILED', async () => {
    const { status, body } = await submit(
      server.url,
      [
        { name: 'notes/good.txt', data: 'all fine\n' },
        { name: 'notes/bad.txt', data: 'this one is BAD\n' },
      ],
      { processor: 'checked-copy' },
    );
    assert.equal(status, 202, JSON.stringify(body));
    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'completed_with_errors');
    const [good, bad] = await allFiles(server.url, body.id);
    assert.equal(good.status, 'succeeded');
    assert.equal(good.outputName, 'notes/good.out');
    const output = await fetch(`${server.url}/api/batches/${body.id}/files/0/output`);
    assert.equal(await output.text(), 'all fine\n');
    assert.equal(bad.status, 'failed');
    assert.equal(bad.error.code, 'COMMAND_FAILED');
    assert.equal(
      bad.error.message,
      'The command "checked-copy" exited with code 2: tool: "notes/bad.txt" is not acceptable',
    );
  });

  it('takes no arguments from clients', async () => {
    const { status, body } = await submit(server.url, [{ name: 'a.txt', data: 'a' }], {
      processor: 'checked-copy',
      settings: JSON.stringify({ argv: ['rm', '-rf', '/'] }),
    });
    assert.equal(status, 400);
    assert.equal(body.error.code, 'INVALID_SETTINGS');
  });

  it('cancels a running command with its whole process tree', async () => {
    const { body } = await submit(server.url, [{ name: 'a.txt', data: 'a' }], { processor: 'hang' });
    const pids = await pidsWithMarker(HANG_MARKER);
    const cancelled = await postJson(`${server.url}/api/batches/${body.id}/files/0/cancel`);
    assert.equal(cancelled.status, 200);
    await waitForBatch(server.url, body.id);
    const [file] = await allFiles(server.url, body.id);
    assert.equal(file.status, 'cancelled');
    await assertAllGone(pids);
  });
});

/**
 * Names that cannot lie, through the HTTP API: a name with a right-to-left override, one with
 * zero-width characters and one of 300 characters come out clean in `name`, `outputName`,
 * the ZIP entry and the CSV, flagged in `details`; the raw name is in report.json only,
 * escaped, never as the characters it hid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  allFiles,
  getJson,
  startTestServer,
  submit,
  waitForBatch,
  type TestServer,
} from './support/server.js';
import { readZip } from './support/zip.js';

/** What cleaning a name says in a file's details (the `copy` processor adds its own). */
const nameDetails = (details: Record<string, unknown> | null): Record<string, unknown> =>
  Object.fromEntries(Object.entries(details ?? {}).filter(([key]) => /^(?:name|originalName)/.test(key)));

/** A format character (category Cf) or a control other than a line break: what no clean name holds. */
const HIDDEN = /[\p{Cf}\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

describe('file names', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('come out clean and flagged in the API, the ZIP and the reports; the raw name only in report.json, escaped', async () => {
    const long = `${'l'.repeat(296)}.txt`;
    const files = [
      // Shows as "invoices/evilexe.txt" where the override is honoured: it is a .txt.
      { name: 'invoices/evil\u202etxt.exe', data: 'one' },
      { name: 'in\u200bvo\u200dice\u2060\ufeff.txt', data: 'two' },
      { name: long, data: 'three' },
      { name: 'plain.txt', data: 'four' },
    ];
    const { status, body } = await submit(server.url, files, { processor: 'copy' });
    assert.equal(status, 202);
    const batch = await waitForBatch(server.url, body.id);
    assert.equal(batch.status, 'completed');

    const clean = ['invoices/eviltxt.exe', 'invoice.txt', `${'l'.repeat(196)}.txt`, 'plain.txt'];
    const rows = await allFiles(server.url, body.id);
    assert.deepEqual(
      rows.map((f) => f.name),
      clean,
    );
    assert.deepEqual(
      rows.map((f) => f.outputName),
      clean,
    );
    assert.deepEqual(
      rows.map((f) => nameDetails(f.details)),
      [{ nameCharactersRemoved: 1 }, { nameCharactersRemoved: 4 }, { nameShortened: true }, {}],
      'flagged in the API, the raw name left out',
    );
    const one = await getJson(`${server.url}/api/batches/${body.id}/files/2`);
    assert.equal(one.body.details.nameShortened, true);
    assert.ok(!('originalName' in one.body.details), 'the raw name is not shown by the API');

    const zip = await readZip(
      Buffer.from(await (await fetch(`${server.url}${body.resultsUrl}`)).arrayBuffer()),
    );
    assert.deepEqual([...zip.keys()].sort(), [...clean, 'report.json'].sort());
    assert.equal(zip.get('invoices/eviltxt.exe')!.toString(), 'one');

    const report = JSON.parse(zip.get('report.json')!.toString());
    assert.deepEqual(
      report.files.map((f: { details: Record<string, unknown> | null }) => nameDetails(f.details)),
      [
        { nameCharactersRemoved: 1, originalName: 'invoices/evil\\u202etxt.exe' },
        { nameCharactersRemoved: 4, originalName: 'in\\u200bvo\\u200dice\\u2060\\ufeff.txt' },
        { nameShortened: true, originalName: long },
        {},
      ],
    );
    const served = await getJson(`${server.url}/api/batches/${body.id}/report.json`);
    assert.deepEqual(served.body.files, report.files, 'report.json served as in the ZIP');
    assert.doesNotMatch(
      zip.get('report.json')!.toString(),
      HIDDEN,
      'no hidden character, even escaped by JSON',
    );

    const csv = await (await fetch(`${server.url}/api/batches/${body.id}/report.csv`)).text();
    assert.doesNotMatch(csv, HIDDEN);
    assert.ok(csv.includes('invoices/eviltxt.exe') && !csv.includes(long));
  });
});

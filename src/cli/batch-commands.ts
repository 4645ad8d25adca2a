/**
 * `filemill ls | status | cancel | retry | download`: one batch operation each, against a
 * server (`--server`, `FILEMILL_SERVER`, default http://127.0.0.1:8080), with the API key of
 * `--api-key` or `FILEMILL_API_KEY` when the server needs one. `--json` prints the API's own
 * JSON for scripts; otherwise a short text for a person.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BatchView } from '../core/views.js';
import { ApiClient } from './api-client.js';
import { followBatch } from './event-stream.js';
import { downloadResults } from './results-download.js';
import { apiKeyFrom, apiKeyOption, serverOption } from './server-options.js';

interface Common {
  server?: string;
  apiKey?: string;
  json?: boolean;
}

const clientFor = (o: Common) => new ApiClient(o.server, { apiKey: apiKeyFrom(o.apiKey) });
const jsonOption = () => new Option('--json', 'print JSON for scripts');

function index(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a file index is a whole number from 0.');
  return n;
}

function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export function describeBatch(b: BatchView): string {
  const c = b.counts;
  const parts = [`${c.succeeded} succeeded`, `${c.failed} failed`, `${c.cancelled} cancelled`];
  if (c.queued + c.running + c.retrying > 0)
    parts.unshift(`${c.running} running`, `${c.queued + c.retrying} waiting`);
  const eta = b.etaMs !== null && b.etaMs > 0 ? `, about ${Math.ceil(b.etaMs / 1000)} s left` : '';
  return `${b.id}  ${b.status}  ${b.progress}%  ${b.totalFiles} files (${parts.join(', ')})${eta}`;
}

/** Prints the batch as it changes (a line each time the summary changes; NDJSON with --json). */
async function watch(client: ApiClient, id: string, json: boolean | undefined): Promise<void> {
  let previous = '';
  let finalStatus = '';
  for await (const event of followBatch(client, id)) {
    finalStatus = event.status;
    if (json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      continue;
    }
    if (event.file?.error) {
      process.stdout.write(
        `  #${event.file.index} ${event.file.name}: ${event.file.error.code} — ${event.file.error.message}\n`,
      );
    }
    const c = event.counts;
    const line = `${id}  ${event.status}  ${event.progress}%  ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled`;
    if (line !== previous) process.stdout.write(`${line}\n`);
    previous = line;
  }
  if (finalStatus !== 'completed') process.exitCode = 1;
}

export function batchCommands(): Command[] {
  const ls = new Command('ls')
    .description('List batches, newest first')
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .option('--limit <n>', 'how many', (v) => index(v), 20)
    .action(async (o: Common & { limit: number }) => {
      const page = await clientFor(o).listBatches(o.limit);
      print(o.json, page, () =>
        page.items.length === 0
          ? 'no batches'
          : page.items
              .map((b) => `${describeBatch(b)}  ${b.createdAt ?? 'created at an unknown time'}`)
              .join('\n'),
      );
    });

  const status = new Command('status')
    .description('Show a batch and the files that failed; --watch follows it live until it ends')
    .argument('<id>', 'batch id')
    .option('--watch', 'follow the batch live (exit 0 only if every file succeeded)')
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .action(async (id: string, o: Common & { watch?: boolean }) => {
      const client = clientFor(o);
      if (o.watch) return watch(client, id, o.json);
      const batch = await client.getBatch(id);
      const files = await client.allFiles(id);
      print(o.json, { batch, files }, () => {
        const failed = files
          .filter((f) => f.error)
          .map((f) => `  #${f.index} ${f.name}: ${f.error!.code} — ${f.error!.message}`);
        return [describeBatch(batch), ...failed].join('\n');
      });
    });

  const cancel = new Command('cancel')
    .description('Cancel a batch, or one file of it')
    .argument('<id>', 'batch id')
    .option('--file <index>', 'only this file', index)
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .action(async (id: string, o: Common & { file?: number }) => {
      const batch = await clientFor(o).cancel(id, o.file);
      print(o.json, batch, () => describeBatch(batch));
    });

  const retry = new Command('retry')
    .description('Retry the failed and cancelled files of a batch (or the listed ones)')
    .argument('<id>', 'batch id')
    .option('--file <index...>', 'only these files', (v: string, acc: number[] = []) => [...acc, index(v)])
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .action(async (id: string, o: Common & { file?: number[] }) => {
      const batch = await clientFor(o).retry(id, o.file);
      print(o.json, batch, () => describeBatch(batch));
    });

  const download = new Command('download')
    .description("Download a batch's outputs into a folder, keeping their layout (and report.json)")
    .argument('<id>', 'batch id')
    .requiredOption('--out <dir>', 'the folder to write to')
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .addOption(jsonOption())
    .action(async (id: string, o: Common & { out: string }) => {
      const written = await downloadResults(clientFor(o), id, o.out);
      print(o.json, { id, out: o.out, files: written }, () => `${written.length} files written to ${o.out}`);
    });

  return [ls, status, cancel, retry, download];
}

/**
 * `filemill processors [name]`: the processors, or one processor's presets and settings
 * (key, title, values, default, when it applies), from the same schema the web form uses.
 * With `--server` (or FILEMILL_SERVER) they are the server's, operator commands included;
 * without, the ones built into this filemill, so `submit` can be prepared with no server.
 */
import { Command, Option } from 'commander';
import { ApiClient, CliError } from './api-client.js';
import { renderProcessor, renderProcessorList, type ProcessorDescription } from './processor-help.js';
import { apiKeyFrom, apiKeyOption } from './server-options.js';

/** What --json prints of a processor: what GET /api/processors serves of it. */
const JSON_FIELDS = [
  'name',
  'title',
  'accepts',
  'presets',
  'defaultPreset',
  'settingsSchema',
] as const satisfies readonly (keyof ProcessorDescription)[];

interface ProcessorsOptions {
  server?: string;
  apiKey?: string;
  json?: boolean;
}

export function processorsCommand(): Command {
  return new Command('processors')
    .description("List the processors, or one processor's presets and settings")
    .argument('[name]', 'a processor: show its presets and every setting')
    .addOption(
      new Option(
        '--server <url>',
        "a filemill server (FILEMILL_SERVER): its processors, operator commands included; without one, this filemill's own",
      ),
    )
    .addOption(apiKeyOption())
    .option('--json', 'print them as GET /api/processors does')
    .action((name: string | undefined, options: ProcessorsOptions) => listProcessors(name, options));
}

async function processorsFrom(options: ProcessorsOptions): Promise<ProcessorDescription[]> {
  const server = options.server ?? process.env.FILEMILL_SERVER;
  if (server) {
    const client = new ApiClient(server, { apiKey: apiKeyFrom(options.apiKey) });
    return client.processors();
  }
  // Loaded here: other commands start without the processors' schemas.
  const { createRegistry } = await import('../processors/registry.js');
  return createRegistry().list();
}

async function listProcessors(name: string | undefined, options: ProcessorsOptions): Promise<void> {
  const processors = await processorsFrom(options);
  const shown = name === undefined ? processors : processors.filter((p) => p.name === name);
  if (name !== undefined && shown.length === 0) {
    const names = processors.map((p) => p.name).join(', ');
    throw new CliError(`UNKNOWN_PROCESSOR: there is no processor "${name}" (there are: ${names}).`, 2);
  }
  if (options.json) {
    const fields = (p: ProcessorDescription) => Object.fromEntries(JSON_FIELDS.map((key) => [key, p[key]]));
    process.stdout.write(
      `${JSON.stringify(name === undefined ? shown.map(fields) : fields(shown[0]!), null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(`${name === undefined ? renderProcessorList(shown) : renderProcessor(shown[0]!)}\n`);
}

/**
 * The processors this server offers, by name. Both the server (to validate, name outputs and
 * list them) and the sandboxed child (to find a processor's run module) resolve through it.
 * It holds descriptors only, which import no native code; run modules load in the child.
 *
 * Operator commands (`FILEMILL_COMMANDS_FILE`) differ per server, so they are not in the
 * module's own list: the server builds its registry from its config, a child from what the
 * server handed it (see {@link registryWithCommands}).
 *
 * For tests only: when `FILEMILL_TEST_PROCESSORS` names a module (absolute path) exporting
 * `processors: ProcessorDescriptor[]`, those are added too — in the parent and, because the
 * pool passes that variable on, in every child. Never set it in production. With it,
 * `FILEMILL_TEST_STATE_DIR` may name a folder those processors remember things in across
 * runs; the sandbox binds it writable (a sandboxed worker keeps nothing else between files).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { docAnalyzeProcessor } from './doc-analyze/descriptor.js';
import { imageProcessor } from './image/descriptor.js';
import { pdfSanitizeProcessor } from './pdf-sanitize/descriptor.js';
import type { ProcessorDescriptor } from './processor.js';
import type { CommandSpec } from './commands/config.js';
import { commandDescriptor } from './commands/descriptor.js';

/** Finds processors by name; each server (and each child) has one. */
export interface ProcessorRegistry {
  /** The processor of that name, or undefined. */
  get(name: string): ProcessorDescriptor | undefined;
  /** Every processor: built-in ones first, operator commands last. */
  list(): ProcessorDescriptor[];
}

const builtIn: readonly ProcessorDescriptor[] = [imageProcessor, pdfSanitizeProcessor, docAnalyzeProcessor];

async function loadTestProcessors(path: string | undefined): Promise<ProcessorDescriptor[]> {
  if (!path) return [];
  if (!isAbsolute(path)) throw new Error('FILEMILL_TEST_PROCESSORS must be an absolute path.');
  const module = (await import(pathToFileURL(path).href)) as { processors?: unknown };
  if (!Array.isArray(module.processors)) {
    throw new Error('The FILEMILL_TEST_PROCESSORS module must export `processors: ProcessorDescriptor[]`.');
  }
  return module.processors as ProcessorDescriptor[];
}

function byName(descriptors: readonly ProcessorDescriptor[]): ReadonlyMap<string, ProcessorDescriptor> {
  const map = new Map<string, ProcessorDescriptor>();
  for (const descriptor of descriptors) {
    if (map.has(descriptor.name)) throw new Error(`Two processors are named "${descriptor.name}".`);
    map.set(descriptor.name, descriptor);
  }
  return map;
}

const base = [...builtIn, ...(await loadTestProcessors(process.env.FILEMILL_TEST_PROCESSORS))];

/** The built-in (and test) processors plus `extra`. @throws Error when two share a name. */
export function createRegistry(extra: readonly ProcessorDescriptor[] = []): ProcessorRegistry {
  const map = byName([...base, ...extra]);
  return { get: (name) => map.get(name), list: () => [...map.values()] };
}

/** The registry of a server, or of its child, with these operator commands. */
export function registryWithCommands(specs: readonly CommandSpec[]): ProcessorRegistry {
  return createRegistry(specs.map(commandDescriptor));
}

/**
 * The processors this server offers, by name. Both the server (to validate, name outputs and
 * list them) and the sandboxed child (to find a processor's run module) resolve through it.
 * It holds descriptors only, which import no native code; run modules load in the child.
 *
 * For tests only: when `FILEMILL_TEST_PROCESSORS` names a module (absolute path) exporting
 * `processors: ProcessorDescriptor[]`, those are added too — in the parent and, because the
 * pool passes that variable on, in every child. Never set it in production.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { docAnalyzeProcessor } from './doc-analyze/descriptor.js';
import { imageProcessor } from './image/descriptor.js';
import { pdfSanitizeProcessor } from './pdf-sanitize/descriptor.js';
import type { ProcessorDescriptor } from './processor.js';

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

const registry = byName([...builtIn, ...(await loadTestProcessors(process.env.FILEMILL_TEST_PROCESSORS))]);

/** The processor of that name, or undefined. */
export function getProcessor(name: string): ProcessorDescriptor | undefined {
  return registry.get(name);
}

/** Every processor, built-in ones first. */
export function listProcessors(): ProcessorDescriptor[] {
  return [...registry.values()];
}

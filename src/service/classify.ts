/**
 * Decides at submission what becomes of each received file: its unique display name, its
 * unique output name, and whether it is queued or refused by content type.
 */
import type { FileError } from '../core/errors.js';
import { splitExtension, takeUniqueName } from '../core/filenames.js';
import type { NewFile } from '../core/ports.js';
import type { ProcessorDescriptor } from '../processors/processor.js';
import type { StagedFile } from './upload.js';

/** Reserved at the root of the results ZIP. */
export const REPORT_ENTRY = 'report.json';

/**
 * Plans a batch's files one at a time, as they arrive: each gets a display name and an output
 * name unique in the batch (case-insensitively, `report.json` reserved), in arrival order.
 */
export class FilePlanner {
  readonly #names = new Set<string>();
  readonly #outputs = new Set<string>([REPORT_ENTRY.toLowerCase()]);

  constructor(
    private readonly descriptor: ProcessorDescriptor,
    private readonly settings: Record<string, unknown>,
  ) {}

  plan(file: StagedFile, contentType: string | null): NewFile {
    const name = takeUniqueName(file.name, this.#names);
    const output = this.descriptor.outputName(name, contentType, this.settings);
    const error = refusal(name, contentType, this.descriptor);
    return {
      index: file.index,
      name,
      contentType,
      inputBytes: file.size,
      outputName: takeUniqueName(output, this.#outputs),
      status: error ? 'failed' : 'queued',
      error,
      nameFacts: file.nameFacts,
    };
  }
}

/**
 * Why the processor cannot take this file, or null. Content decides, never the name; the
 * name only tells a damaged file (claims a type we take, content unrecognisable) from one of
 * another type.
 */
export function refusal(
  name: string,
  contentType: string | null,
  descriptor: ProcessorDescriptor,
): FileError | null {
  if (descriptor.accepts.includes('*/*')) return null; // takes anything, even unrecognised bytes
  if (contentType !== null && descriptor.accepts.includes(contentType)) return null;
  const ext = splitExtension(name).ext.toLowerCase();
  if (contentType === null && ext !== '' && claims(descriptor, ext)) {
    return {
      code: 'CORRUPT_INPUT',
      message: `The content is not a valid ${ext.slice(1).toUpperCase()} file (its bytes match no known format).`,
    };
  }
  const what = contentType ?? 'an unrecognised type';
  return {
    code: 'UNSUPPORTED_TYPE',
    message: `The ${descriptor.name} processor does not accept ${what}; it accepts ${descriptor.accepts.join(', ')}.`,
  };
}

function claims(descriptor: ProcessorDescriptor, ext: string): boolean {
  return descriptor.extensions.some((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase() === ext);
}

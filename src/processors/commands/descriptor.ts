/**
 * An operator command as the server sees it: a processor named after the command, with no
 * settings at all (clients choose a command by name and never pass it arguments), one
 * preset, and the input's name with its extension replaced by the command's `outputExt`.
 * The work is in `run.ts`, loaded only by the worker.
 */
import Type from 'typebox';
import { splitExtension } from '../../core/filenames.js';
import type { ProcessorDescriptor } from '../processor.js';
import type { CommandSpec } from './config.js';

/** Empty, and closed: any setting a client sends is refused with INVALID_SETTINGS. */
const noSettings = Type.Object({}, { additionalProperties: false });

export function commandDescriptor(spec: CommandSpec): ProcessorDescriptor {
  return {
    name: spec.name,
    title: spec.title,
    accepts: spec.accepts,
    extensions: [],
    settingsSchema: noSettings,
    presets: [{ name: 'default', title: 'As the operator declared it', settings: {} }],
    defaultPreset: 'default',
    // `a/b` (no extension) gets one too: the output is whatever the command makes.
    outputName: (inputName) => splitExtension(inputName).stem + spec.outputExt,
    runModule: new URL('./run.js', import.meta.url),
  };
}

/**
 * Resolves the settings of a batch: the named preset, overridden field by field by what the
 * client sent, validated against the processor's JSON Schema before anything is stored.
 * Errors name the field (`settings.quality must be <= 100`) so a form can point at it.
 * A valid setting that does not apply to the others (`dpi` when `mode` is `structural`, see
 * setting-conditions.ts) is dropped, not refused: a preset's own values must survive a
 * change of mode, and what is stored and reported is what was used.
 */
import { Compile, type Validator } from 'typebox/compile';
import { AppError } from '../core/errors.js';
import type { ProcessorDescriptor } from './processor.js';
import { withoutInapplicable } from './setting-conditions.js';

/** One problem with one field; `field` is its dotted path inside the settings object. */
export interface SettingsProblem {
  field: string;
  message: string;
}

/** Compiled once per descriptor: compiling costs far more than checking. */
const validators = new WeakMap<ProcessorDescriptor, Validator>();

function validatorFor(descriptor: ProcessorDescriptor): Validator {
  let validator = validators.get(descriptor);
  if (!validator) {
    validator = Compile(descriptor.settingsSchema);
    validators.set(descriptor, validator);
  }
  return validator;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The preset (default: the processor's `defaultPreset`) merged with `overrides`, validated,
 * without the settings that do not apply.
 * @throws AppError `UNKNOWN_PRESET` when the processor has no preset of that name.
 * @throws AppError `INVALID_SETTINGS` when `overrides` is not a plain object, or the merged
 *   settings break the schema; `details.errors` lists `{ field, message }`.
 */
export function resolveSettings(
  descriptor: ProcessorDescriptor,
  presetName: string | undefined,
  overrides: unknown,
): { preset: string; settings: Record<string, unknown> } {
  const name = presetName ?? descriptor.defaultPreset;
  const preset = descriptor.presets.find((p) => p.name === name);
  if (!preset) {
    const known = descriptor.presets.map((p) => p.name).join(', ');
    throw new AppError(
      'UNKNOWN_PRESET',
      `The ${descriptor.name} processor has no preset named "${name.slice(0, 100)}"; its presets are: ${known}.`,
      { details: { presets: descriptor.presets.map((p) => p.name) } },
    );
  }
  if (overrides !== undefined && overrides !== null && !isPlainObject(overrides)) {
    const problem = { field: '', message: 'settings must be a JSON object' };
    throw new AppError('INVALID_SETTINGS', 'settings must be a JSON object.', {
      details: { errors: [problem] },
    });
  }
  const settings: Record<string, unknown> = { ...preset.settings, ...(overrides ?? {}) };
  const problems = settingsProblems(validatorFor(descriptor), settings);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).map((p) => `settings.${p.field} ${p.message}`);
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    throw new AppError('INVALID_SETTINGS', `${shown.join('; ')}${more}.`, { details: { errors: problems } });
  }
  return { preset: preset.name, settings: withoutInapplicable(descriptor.settingsSchema, settings) };
}

/** The schema's complaints, one per field, in plain words. */
function settingsProblems(validator: Validator, settings: Record<string, unknown>): SettingsProblem[] {
  if (validator.Check(settings)) return [];
  const byField = new Map<string, SettingsProblem>();
  for (const error of validator.Errors(settings)) {
    if (error.keyword === 'additionalProperties') {
      for (const extra of error.params.additionalProperties) {
        byField.set(joinField(error.instancePath, extra), {
          field: joinField(error.instancePath, extra),
          message: 'is not a known setting',
        });
      }
      continue;
    }
    // The per-property `false` schema behind additionalProperties says nothing more useful.
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) continue;
    const field = pointerToField(error.instancePath);
    const known = byField.get(field);
    // A union reports each failed branch (`const`), then itself: keep the clearest.
    if (known && error.keyword === 'const') continue;
    let message = error.message;
    if (error.keyword === 'enum')
      message = `must be one of: ${error.params.allowedValues.map(String).join(', ')}`;
    if (!known || known.message.startsWith('must be equal to constant'))
      byField.set(field, { field, message });
  }
  return [...byField.values()];
}

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function joinField(pointer: string, name: string): string {
  const parent = pointerToField(pointer);
  return parent ? `${parent}.${name}` : name;
}

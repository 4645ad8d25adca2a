/**
 * The settings form of a processor, generated from its JSON Schema (`GET /api/processors`):
 * one field per property, labelled by its `title`, explained by its `description`, shown only
 * when its `x-applies-when` holds, pre-filled by the preset, checked with the same validator
 * the server uses (TypeBox's `Value` on the same schema), so the page and the API agree; the
 * validator's complaints are put in plain words.
 */
import { Value } from 'typebox/value';
import { inapplicableSettings } from '../../src/processors/setting-conditions.js';
import { errorWords, type PropertyWords } from '../../src/processors/setting-words.js';

export interface Field {
  /** The key in the settings object, as the API and the CLI spell it. */
  name: string;
  /** The label a person reads; the key when the schema has no title. */
  title: string;
  /** `list`: several of `options` (an array of choices), as a group of checkboxes. */
  kind: 'choice' | 'list' | 'integer' | 'number' | 'boolean' | 'text' | 'secret';
  options: string[];
  minimum?: number;
  maximum?: number;
  description: string;
  default?: unknown;
}

interface PropertySchema {
  type?: string;
  title?: string;
  enum?: unknown[];
  anyOf?: { const?: unknown }[];
  items?: { enum?: unknown[]; anyOf?: { const?: unknown }[] };
  minimum?: number;
  maximum?: number;
  description?: string;
  default?: unknown;
  /** JSON Schema: sent, never shown back (a password). */
  writeOnly?: boolean;
}

/** The string values a schema offers (`enum`, or `anyOf` of `const`s). */
function choices(p: Pick<PropertySchema, 'enum' | 'anyOf'> | undefined): string[] {
  return (p?.enum ?? p?.anyOf?.map((a) => a.const) ?? []).filter((o) => typeof o === 'string');
}

/** The fields of an object schema, in its order; properties of other shapes are left to the preset. */
export function fieldsOf(schema: unknown): Field[] {
  const properties = (schema as { properties?: Record<string, PropertySchema> })?.properties ?? {};
  const fields: Field[] = [];
  for (const [name, p] of Object.entries(properties)) {
    const listed = p.type === 'array' ? choices(p.items) : [];
    const options = listed.length > 0 ? listed : choices(p);
    const kind: Field['kind'] | null =
      listed.length > 0
        ? 'list'
        : options.length > 0
          ? 'choice'
          : p.type === 'integer' || p.type === 'number' || p.type === 'boolean'
            ? p.type
            : p.type === 'string'
              ? p.writeOnly
                ? 'secret'
                : 'text'
              : null;
    if (!kind) continue;
    fields.push({
      name,
      title: p.title ?? name,
      kind,
      options,
      minimum: p.minimum,
      maximum: p.maximum,
      description: p.description ?? '',
      default: p.default,
    });
  }
  return fields;
}

/** A list's value once `option` is ticked or not, in the order the options are offered. */
export function toggled(field: Field, current: unknown, option: string, on: boolean): string[] {
  const chosen = new Set(Array.isArray(current) ? current : []);
  if (on) chosen.add(option);
  else chosen.delete(option);
  return field.options.filter((o) => chosen.has(o));
}

/** A field's input as the value to send: numbers parsed, an empty box meaning "not set". */
export function parseInput(field: Field, raw: string | boolean): unknown {
  if (field.kind === 'boolean') return raw === true;
  // A password is taken as typed: its spaces may be part of it.
  if (field.kind === 'secret') return raw === '' ? undefined : String(raw);
  const text = String(raw).trim();
  if (text === '') return undefined;
  if (field.kind === 'integer' || field.kind === 'number') return Number(text);
  return text;
}

/**
 * The person's changes after setting `name` to `value`. An emptied box goes back to the
 * preset's value: the API merges changes over the preset, it cannot unset a preset's field.
 * A value that is what the preset, or else the setting's default (`fallback`), gives is no
 * change: a box ticked and unticked again is not sent.
 */
export function withChange(
  changes: Record<string, unknown>,
  name: string,
  value: unknown,
  preset: Record<string, unknown>,
  fallback?: unknown,
): Record<string, unknown> {
  const next = { ...changes };
  const unchanged = name in preset ? preset[name] : fallback;
  if (value === undefined || value === unchanged) delete next[name];
  else next[name] = value;
  return next;
}

/**
 * The settings the person changed that still apply once `changes` are laid over the preset:
 * a setting hidden by a change (`dpi` once `mode` is `structural`) is not sent.
 */
export function applicableChanges(
  schema: unknown,
  changes: Record<string, unknown>,
  preset: Record<string, unknown>,
): Record<string, unknown> {
  const hidden = inapplicableSettings(schema, { ...preset, ...changes });
  return Object.fromEntries(Object.entries(changes).filter(([name]) => !hidden.has(name)));
}

/** The fields that apply to these settings (the preset's with the person's changes). */
export function applicableFields(
  schema: unknown,
  fields: Field[],
  settings: Record<string, unknown>,
): Field[] {
  const hidden = inapplicableSettings(schema, settings);
  return fields.filter((f) => !hidden.has(f.name));
}

/**
 * The first problem of each field, found by the validator the server uses, in plain words
 * (`Between 1 and 100`, not `must be <= 100`). A list's item is the list's problem.
 */
export function settingsErrors(schema: unknown, settings: Record<string, unknown>): Record<string, string> {
  const properties = (schema as { properties?: Record<string, PropertyWords> })?.properties ?? {};
  const errors: Record<string, string> = {};
  for (const error of Value.Errors(schema as never, settings)) {
    if (error.keyword === 'additionalProperties') {
      for (const extra of (error.params as { additionalProperties: string[] }).additionalProperties)
        errors[extra] ??= errorWords(undefined, error);
      continue;
    }
    const name = error.instancePath.split('/')[1]?.replace(/~1/g, '/').replace(/~0/g, '~') || '(settings)';
    errors[name] ??= errorWords(properties[name], error);
  }
  return errors;
}

/** `web`, or `web, with quality 70 and width 1024`: what is applied to every file. */
export function describeSettings(
  preset: string,
  changes: Record<string, unknown>,
  secrets: readonly string[] = [],
): string {
  const parts = Object.entries(changes).map(([name, value]) =>
    secrets.includes(name) ? `${name} set` : `${name} ${String(value)}`,
  );
  return parts.length === 0 ? preset : `${preset}, with ${parts.join(', ')}`;
}

/**
 * The settings form of a processor, generated from its JSON Schema (`GET /api/processors`):
 * one field per property, pre-filled by the preset, checked with the same validator the
 * server uses (TypeBox's `Value` on the same schema), so the page and the API agree.
 */
import { Value } from 'typebox/value';

export interface Field {
  name: string;
  kind: 'choice' | 'integer' | 'number' | 'boolean' | 'text' | 'secret';
  options: string[];
  minimum?: number;
  maximum?: number;
  description: string;
  default?: unknown;
}

interface PropertySchema {
  type?: string;
  enum?: unknown[];
  anyOf?: { const?: unknown }[];
  minimum?: number;
  maximum?: number;
  description?: string;
  default?: unknown;
  /** JSON Schema: sent, never shown back (a password). */
  writeOnly?: boolean;
}

/** The fields of an object schema, in its order; properties of other shapes are left to the preset. */
export function fieldsOf(schema: unknown): Field[] {
  const properties = (schema as { properties?: Record<string, PropertySchema> })?.properties ?? {};
  const fields: Field[] = [];
  for (const [name, p] of Object.entries(properties)) {
    const options = (p.enum ?? p.anyOf?.map((a) => a.const) ?? []).filter((o) => typeof o === 'string');
    const kind: Field['kind'] | null =
      options.length > 0
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
 */
export function withChange(
  changes: Record<string, unknown>,
  name: string,
  value: unknown,
  preset: Record<string, unknown>,
): Record<string, unknown> {
  const next = { ...changes };
  if (value === undefined || value === preset[name]) delete next[name];
  else next[name] = value;
  return next;
}

/** The first problem of each field, as the server's validator words it. */
export function settingsErrors(schema: unknown, settings: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const error of Value.Errors(schema as never, settings)) {
    const name = error.instancePath.replace(/^\//, '') || '(settings)';
    errors[name] ??= error.message;
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

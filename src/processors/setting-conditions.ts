/**
 * When a setting applies. A property of a settings schema may carry `x-applies-when`: the
 * values other settings must have for it to mean anything (`dpi` only when `mode` is
 * `rasterize`). The server drops a setting whose condition does not hold, the web form hides
 * it, the CLI prints the condition: one rule, read from the schema served by GET /api/processors.
 *
 * Why an annotation and not JSON Schema's `if`/`then`: `then` can only refuse, so a preset's
 * own `dpi` would be refused as soon as a person switched its mode; `if` ignores defaults (an
 * absent `mode` would match `if: { properties: { mode: { const: 'rasterize' } } }`); and a
 * form could not tell from a `then` which fields to hide. An `x-` keyword is how OpenAPI
 * extends a schema, and validators (TypeBox, Ajv outside strict mode) ignore it.
 *
 * Pure: the web page imports it too.
 */

/** Every named setting has one of the listed values (its default when it is not set). */
export type Condition = Readonly<Record<string, readonly unknown[]>>;

/** `x-applies-when`: one condition, or a list of which any one is enough. */
export type AppliesWhen = Condition | readonly Condition[];

export const APPLIES_WHEN = 'x-applies-when';

interface PropertyLike {
  default?: unknown;
  [APPLIES_WHEN]?: AppliesWhen;
}

function propertiesOf(schema: unknown): Record<string, PropertyLike> {
  return (schema as { properties?: Record<string, PropertyLike> } | null)?.properties ?? {};
}

/** The conditions of a property, any one of which is enough; none: it always applies. */
export function conditionsOf(property: unknown): readonly Condition[] {
  const when = (property as PropertyLike | null)?.[APPLIES_WHEN];
  if (when === undefined) return [];
  return Array.isArray(when) ? when : [when as Condition];
}

/**
 * The settings of `schema` that do not apply to `settings`. A setting that does not apply
 * counts as its default in the conditions of others (`ocrLanguages` needs `ocr`, which needs
 * the rasterize mode), so this is worked out again until it stops changing: conditions do
 * not go round in circles, so that takes at most one pass per setting.
 */
export function inapplicableSettings(schema: unknown, settings: Record<string, unknown>): Set<string> {
  const properties = Object.entries(propertiesOf(schema));
  const defaults = new Map(properties.map(([key, p]) => [key, p.default]));
  let dropped = new Set<string>();
  for (let pass = 0; pass <= properties.length; pass++) {
    const valueOf = (key: string): unknown =>
      !dropped.has(key) && settings[key] !== undefined ? settings[key] : defaults.get(key);
    const holds = (condition: Condition): boolean =>
      Object.entries(condition).every(([key, values]) => values.includes(valueOf(key)));
    const next = new Set(
      properties
        .filter(([, p]) => {
          const conditions = conditionsOf(p);
          return conditions.length > 0 && !conditions.some(holds);
        })
        .map(([key]) => key),
    );
    if (next.size === dropped.size && [...next].every((key) => dropped.has(key))) return next;
    dropped = next;
  }
  return dropped;
}

/** `settings` without those that do not apply (a new object). */
export function withoutInapplicable(
  schema: unknown,
  settings: Record<string, unknown>,
): Record<string, unknown> {
  const dropped = inapplicableSettings(schema, settings);
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !dropped.has(key)));
}

/** The schema option that says when a setting applies: `{ ...appliesWhen({ mode: ['rasterize'] }) }`. */
export function appliesWhen(...conditions: Condition[]): { [APPLIES_WHEN]: AppliesWhen } {
  return { [APPLIES_WHEN]: conditions.length === 1 ? conditions[0]! : conditions };
}

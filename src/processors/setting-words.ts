/**
 * A settings schema in plain words: what values a setting takes ("a whole number between 1
 * and 100"), when it applies ("when mode is rasterize"), and what is wrong with a value, in
 * place of the validator's wording ("must be <= 100"). The web form and the CLI's listing
 * read the same schema through it. Pure: the web page imports it too.
 */
import { conditionsOf, type Condition } from './setting-conditions.js';

/** The parts of a property schema these words are made from. */
export interface PropertyWords {
  type?: string;
  enum?: readonly unknown[];
  anyOf?: readonly { const?: unknown }[];
  items?: PropertyWords;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  examples?: readonly unknown[];
}

/** One complaint of the validator (TypeBox's `Errors`), the part that matters here. */
export interface SchemaError {
  keyword: string;
  message: string;
  params?: Record<string, unknown>;
}

/** The values a choice offers, or none when it is not a choice. */
export function choicesOf(property: PropertyWords | undefined): unknown[] {
  if (!property) return [];
  return [...(property.enum ?? property.anyOf?.map((a) => a.const) ?? [])].filter((v) => v !== undefined);
}

/** `between 1 and 100`, `at least 1`, `at most 10`, or '' without bounds. */
function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return '';
}

const joined = (...parts: string[]): string => parts.filter(Boolean).join(' ');

/** What a setting takes: `a whole number between 1 and 100`, `one of: jpeg, png`, `yes or no`. */
export function valueWords(property: PropertyWords): string {
  const choices = choicesOf(property);
  if (choices.length > 0) return `one of: ${choices.map(String).join(', ')}`;
  switch (property.type) {
    case 'integer':
      return joined('a whole number', range(property.minimum, property.maximum));
    case 'number':
      return joined('a number', range(property.minimum, property.maximum));
    case 'boolean':
      return 'yes or no (true or false)';
    case 'array': {
      const of = choicesOf(property.items);
      const from = of.length > 0 ? `, from: ${of.map(String).join(', ')}` : '';
      return `${joined('a list of', range(property.minItems, property.maxItems) || 'any number')}${from}`;
    }
    case 'string':
      return joined(
        'text',
        property.examples?.length ? `like ${property.examples.map(String).join(', ')}` : '',
      );
    default:
      return 'a value';
  }
}

/** `mode is rasterize`, `format is jpeg or png`, joined by `and`. */
function conditionWords(condition: Condition): string {
  return Object.entries(condition)
    .map(([key, values]) => `${key} is ${values.map(String).join(' or ')}`)
    .join(' and ');
}

/** `when mode is rasterize, or when onFailure is rasterize`; '' when it always applies. */
export function appliesWhenWords(property: unknown): string {
  const conditions = conditionsOf(property);
  return conditions.map((c) => `when ${conditionWords(c)}`).join(', or ');
}

/** Capitalised, the way a message under a field starts. */
const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * What is wrong with a value, in words a person uses: `Between 1 and 100`, `A whole number`,
 * `One of: jpeg, png`. Falls back to the validator's own message for what it does not know.
 */
export function errorWords(property: PropertyWords | undefined, error: SchemaError): string {
  const p = property ?? {};
  switch (error.keyword) {
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return sentence(range(p.minimum, p.maximum) || error.message);
    case 'type':
      return sentence(valueWords(p));
    case 'enum':
    case 'const':
    case 'anyOf':
      return sentence(valueWords(p));
    case 'minLength':
      return p.minLength === 1 ? 'Cannot be empty' : `At least ${p.minLength} characters`;
    case 'maxLength':
      return `At most ${p.maxLength} characters`;
    case 'minItems':
    case 'maxItems':
      return `Choose ${range(p.minItems, p.maxItems)}`;
    case 'uniqueItems':
      return 'Each one only once';
    case 'pattern':
      return p.examples?.length
        ? `Not in the expected form, e.g. ${p.examples.map(String).join(', ')}`
        : 'Not in the expected form';
    case 'additionalProperties':
      return 'Not a known setting';
    default:
      return sentence(error.message);
  }
}

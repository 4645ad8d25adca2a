/**
 * Every setting of every processor the registry holds (the built-in ones and an operator
 * command; test processors are left out) says what it is in words: a title to label it and a
 * description to explain it. A condition (`x-applies-when`) names settings and values that
 * exist. Generated from the registry, so a new setting cannot be forgotten.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandSpec } from '../../src/processors/commands/config.js';
import { registryWithCommands } from '../../src/processors/registry.js';
import { conditionsOf } from '../../src/processors/setting-conditions.js';
import { choicesOf } from '../../src/processors/setting-words.js';

const command = {
  name: 'pdf-to-text',
  title: 'PDF to text',
  accepts: ['application/pdf'],
  outputExt: '.txt',
} as unknown as CommandSpec;
const processors = registryWithCommands([command]).list();

interface Property {
  type?: string;
  title?: unknown;
  description?: unknown;
  enum?: unknown[];
  anyOf?: { const?: unknown }[];
}

const propertiesOf = (schema: unknown): [string, Property][] =>
  Object.entries((schema as { properties?: Record<string, Property> }).properties ?? {});

/** The values a setting can take, or null when they are not a short list. */
function valuesOf(property: Property): unknown[] | null {
  if (property.type === 'boolean') return [true, false];
  const choices = choicesOf(property);
  return choices.length > 0 ? choices : null;
}

describe('every setting of every processor', () => {
  it('covers the built-in processors and the operator commands', () => {
    const names = processors.map((p) => p.name);
    for (const name of ['image', 'pdf-sanitize', 'doc-analyze', 'pdf-to-text'])
      assert.ok(names.includes(name), name);
  });

  for (const processor of processors) {
    describe(processor.name, () => {
      const properties = propertiesOf(processor.settingsSchema);

      it('has a title to label each setting, other than its key', () => {
        for (const [key, property] of properties) {
          assert.equal(typeof property.title, 'string', `${processor.name}.${key} has no title`);
          const title = property.title as string;
          assert.ok(title.trim().length > 1, `${processor.name}.${key}: empty title`);
          assert.notEqual(title, key, `${processor.name}.${key}: the title is the key`);
        }
      });

      it('explains each setting in a sentence', () => {
        for (const [key, property] of properties) {
          assert.equal(typeof property.description, 'string', `${processor.name}.${key} has no description`);
          assert.ok(
            (property.description as string).length >= 20,
            `${processor.name}.${key}: "${String(property.description)}" explains nothing`,
          );
        }
      });

      it('makes each setting depend only on settings and values it has', () => {
        const byKey = new Map(properties);
        for (const [key, property] of properties) {
          for (const condition of conditionsOf(property)) {
            for (const [other, values] of Object.entries(condition)) {
              const target = byKey.get(other);
              assert.ok(target, `${processor.name}.${key} depends on "${other}", which is not a setting`);
              assert.notEqual(other, key, `${processor.name}.${key} depends on itself`);
              const allowed = valuesOf(target);
              assert.ok(allowed, `${processor.name}.${key} depends on "${other}", which is not a choice`);
              for (const value of values)
                assert.ok(
                  allowed.includes(value),
                  `${processor.name}.${key}: ${other} is never ${String(value)}`,
                );
            }
          }
        }
      });
    });
  }
});

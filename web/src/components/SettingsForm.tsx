/**
 * The settings of the chosen processor as a form generated from its JSON Schema, pre-filled
 * with the preset: each field is labelled by its title and says what it does, with its key
 * (as the API and the CLI spell it) beside it; a field that does not apply to the other
 * values (`x-applies-when`) is hidden and not sent; a wrong value is named at the field, in
 * plain words, before anything is uploaded.
 */
import { useMemo } from 'react';
import type { ProcessorInfo } from '../api.js';
import {
  applicableChanges,
  applicableFields,
  fieldsOf,
  parseInput,
  toggled,
  withChange,
  type Field,
} from '../settings.js';

interface Props {
  processor: ProcessorInfo;
  presetSettings: Record<string, unknown>;
  changes: Record<string, unknown>;
  errors: Record<string, string>;
  onChange(changes: Record<string, unknown>): void;
}

export function SettingsForm({ processor, presetSettings, changes, errors, onChange }: Props) {
  const schema = processor.settingsSchema;
  const allFields = useMemo(() => fieldsOf(schema), [schema]);
  const fields = useMemo(
    () => applicableFields(schema, allFields, { ...presetSettings, ...changes }),
    [schema, allFields, presetSettings, changes],
  );
  const valueOf = (field: Field): unknown =>
    field.name in changes ? changes[field.name] : (presetSettings[field.name] ?? field.default);
  const setValue = (field: Field, value: unknown) =>
    onChange(
      applicableChanges(
        schema,
        withChange(changes, field.name, value, presetSettings, field.default),
        presetSettings,
      ),
    );
  const set = (field: Field, raw: string | boolean) => setValue(field, parseInput(field, raw));

  return (
    <fieldset className="settings">
      <legend className="visually-hidden">Settings</legend>
      {fields.map((field) => {
        const id = `setting-${field.name}`;
        const value = valueOf(field);
        const error = errors[field.name];
        const described = [`${id}-help`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
        const common = {
          id,
          'aria-describedby': described,
          'aria-invalid': error ? true : undefined,
        };
        // The key, for those who write settings as JSON: beside the label, not in it.
        const key = (
          <code className="setting-key" title="Key in the API and the CLI's --settings">
            {field.name}
          </code>
        );
        return (
          <div className="field" key={field.name}>
            {field.kind === 'list' ? (
              <>
                <span className="setting-label">
                  <span className="setting-title" id={`${id}-title`}>
                    {field.title}
                  </span>
                  {key}
                </span>
                <fieldset
                  className="setting-list"
                  id={id}
                  aria-labelledby={`${id}-title`}
                  aria-describedby={described}
                >
                  {field.options.map((option) => (
                    <label key={option}>
                      <input
                        type="checkbox"
                        checked={Array.isArray(value) && value.includes(option)}
                        onChange={(e) => setValue(field, toggled(field, value, option, e.target.checked))}
                      />{' '}
                      {option}
                    </label>
                  ))}
                </fieldset>
              </>
            ) : field.kind === 'boolean' ? (
              <span className="setting-label">
                <label htmlFor={id}>
                  <input
                    {...common}
                    type="checkbox"
                    checked={value === true}
                    onChange={(e) => set(field, e.target.checked)}
                  />{' '}
                  {field.title}
                </label>
                {key}
              </span>
            ) : (
              <>
                <span className="setting-label">
                  <label htmlFor={id}>{field.title}</label>
                  {key}
                </span>
                {field.kind === 'choice' ? (
                  <select
                    {...common}
                    value={String(value ?? '')}
                    onChange={(e) => set(field, e.target.value)}
                  >
                    {value === undefined && <option value="">(not set)</option>}
                    {field.options.map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={field.kind === 'text' ? 'text' : field.kind === 'secret' ? 'password' : 'number'}
                    min={field.minimum}
                    max={field.maximum}
                    step={field.kind === 'integer' ? 1 : 'any'}
                    value={value === undefined ? '' : String(value)}
                    placeholder="not set"
                    onChange={(e) => set(field, e.target.value)}
                  />
                )}
              </>
            )}
            <small id={`${id}-help`}>{field.description}</small>
            {error && (
              <small id={`${id}-error`} className="error" role="alert">
                {error}
              </small>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

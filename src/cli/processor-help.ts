/**
 * A processor's presets and settings as text for a terminal, read from its settings schema
 * (the one GET /api/processors serves): each setting's key, title, the values it takes, its
 * default, when it applies, and what it does. The web form reads the same schema.
 */
import { counted } from '../core/format.js';
import { appliesWhenWords, valueWords, type PropertyWords } from '../processors/setting-words.js';

/** A processor as GET /api/processors describes it; the built-in descriptors fit too. */
export interface ProcessorDescription {
  name: string;
  title: string;
  accepts: readonly string[];
  presets: readonly { name: string; title: string; settings: Record<string, unknown> }[];
  defaultPreset: string;
  settingsSchema: unknown;
}

interface SettingSchema extends PropertyWords {
  title?: string;
  description?: string;
  default?: unknown;
  writeOnly?: boolean;
}

function settingsOf(schema: unknown): [string, SettingSchema][] {
  return Object.entries((schema as { properties?: Record<string, SettingSchema> } | null)?.properties ?? {});
}

const pad = (text: string, width: number): string => text.padEnd(width);

/** One line per processor, and how to see one's settings. */
export function renderProcessorList(processors: readonly ProcessorDescription[]): string {
  const width = Math.max(0, ...processors.map((p) => p.name.length)) + 2;
  const lines = processors.map((p) => {
    const presets = p.presets.map((s) => (s.name === p.defaultPreset ? `${s.name} (default)` : s.name));
    const count = settingsOf(p.settingsSchema).length;
    const settings = count === 0 ? 'no settings' : counted(count, 'setting');
    return `${pad(p.name, width)}${p.title}\n${pad('', width)}presets: ${presets.join(', ')}; ${settings}`;
  });
  return `${lines.join('\n')}\n\nA processor's presets and settings: filemill processors <name>`;
}

/** The value a default is written as in --settings (JSON), or '' when there is none. */
function defaultWords(setting: SettingSchema): string {
  return setting.default === undefined ? '' : `default ${JSON.stringify(setting.default)}`;
}

/** Everything about one processor: presets, then each setting with its key, values and condition. */
export function renderProcessor(p: ProcessorDescription): string {
  const lines = [`${p.name} — ${p.title}`, `Accepts: ${p.accepts.join(', ')}`, '', 'Presets (--preset):'];
  const width =
    Math.max(0, ...p.presets.map((s) => s.name.length + (s.name === p.defaultPreset ? 10 : 0))) + 2;
  for (const preset of p.presets) {
    const name = preset.name === p.defaultPreset ? `${preset.name} (default)` : preset.name;
    lines.push(`  ${pad(name, width)}${preset.title}`);
  }
  const settings = settingsOf(p.settingsSchema);
  lines.push('');
  if (settings.length === 0) {
    lines.push('Settings: none.');
    return lines.join('\n');
  }
  lines.push(`Settings (--settings '{"key": value}', over the preset's):`);
  for (const [key, setting] of settings) {
    lines.push(`  ${key}${setting.title ? `  ${setting.title}` : ''}`);
    const when = appliesWhenWords(setting);
    const facts = [
      valueWords(setting),
      defaultWords(setting),
      when && `only ${when}`,
      setting.writeOnly ? 'never shown back' : '',
    ];
    lines.push(`      ${facts.filter(Boolean).join('; ')}`);
    if (setting.description) lines.push(`      ${setting.description}`);
  }
  lines.push('', 'A setting that does not apply to the others is ignored (left out of the batch).');
  return lines.join('\n');
}

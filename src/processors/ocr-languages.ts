/**
 * Which OCR languages this installation has: one npm package per language,
 * `@tesseract.js-data/<code>` (e.g. `@tesseract.js-data/eng`, `…/deu`), found in
 * node_modules, never downloaded. Read by the server for the settings schemas and by the
 * worker for the data's folder; imports nothing heavy.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const SCOPE = '@tesseract.js-data';

/** The data folder tesseract.js reads `<code>.traineddata.gz` from: the faster integer models. */
const MODEL_FOLDER = '4.0.0_best_int';

/** The folder of the installed language data packages, or null when there is none. */
function scopeFolder(): string | null {
  try {
    const require = createRequire(import.meta.url);
    // Any installed language shows where the scope folder is; eng is the one we depend on.
    return dirname(dirname(require.resolve(`${SCOPE}/eng/package.json`)));
  } catch {
    return null;
  }
}

/** The language codes (tesseract's, e.g. `eng`, `deu`) whose data is installed, sorted. */
export function installedOcrLanguages(): string[] {
  const folder = scopeFolder();
  if (!folder) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[a-z_]{3,12}$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * The folder holding `<code>.traineddata.gz` for `code`.
 * @throws Error when that language is not installed.
 */
export function ocrDataFolder(code: string): string {
  const folder = scopeFolder();
  if (!folder || !installedOcrLanguages().includes(code))
    throw new Error(`No OCR data is installed for the language "${code}".`);
  return join(folder, code, MODEL_FOLDER);
}

/**
 * The server settings a command runs with: FILEMILL_* variables, then its flags. A bad
 * setting becomes a CliError naming each one, so `serve` and an embedded `submit` report
 * them the same way.
 */
import type { LoadOptions } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { CliError } from './api-client.js';

export async function cliConfig(overrides: LoadOptions['overrides']): Promise<Config> {
  // Loaded on demand: compiling the settings schema costs ~150 ms that `ls` or `status`
  // should not pay.
  const { ConfigError, loadConfig } = await import('../config/load.js');
  try {
    return loadConfig({ overrides });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new CliError(`INVALID_CONFIG: ${error.problems.join('; ')}`, 2);
  }
}

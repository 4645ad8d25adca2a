/**
 * The server settings a command runs with: FILEMILL_* variables, then its flags. A bad
 * setting becomes a CliError naming each one, so `serve` and an embedded `submit` report
 * them the same way.
 */
import { ConfigError, loadConfig, type LoadOptions } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { CliError } from './api-client.js';

export function cliConfig(overrides: LoadOptions['overrides']): Config {
  try {
    return loadConfig({ overrides });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new CliError(`INVALID_CONFIG: ${error.problems.join('; ')}`, 2);
  }
}

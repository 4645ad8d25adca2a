/**
 * The options every command that talks to a server shares: where the server is (`--server`,
 * FILEMILL_SERVER) and the API key it is sent with (`--api-key`, FILEMILL_API_KEY). The key
 * is a secret: it is checked here without being repeated in any message, and goes no further
 * than the client's `Authorization` header.
 */
import { Option } from 'commander';
import { CliError } from './api-client.js';

export const serverOption = () =>
  new Option('--server <url>', 'the filemill server (FILEMILL_SERVER, default http://127.0.0.1:8080)');

export const apiKeyOption = () =>
  new Option(
    '--api-key <key>',
    'the API key the server asks for, sent as Authorization: Bearer (FILEMILL_API_KEY, which a process list does not show)',
  );

/** What a key may be made of: printable ASCII, no spaces (a header value cannot hold more). */
const KEY_CHARACTERS = /^[\x21-\x7e]+$/;

/**
 * The API key to send: `--api-key`, else FILEMILL_API_KEY, else none. Surrounding spaces and
 * line ends (a key pasted from a file) are dropped; empty means none.
 * @throws CliError INVALID_API_KEY (exit 2) when the key has a character no key has — before
 *   anything is sent, since fetch would otherwise quote the whole header value in its error.
 */
export function apiKeyFrom(flag: string | undefined): string | undefined {
  const fromFlag = flag?.trim();
  const key = fromFlag ? fromFlag : process.env.FILEMILL_API_KEY?.trim();
  if (!key) return undefined;
  if (!KEY_CHARACTERS.test(key)) {
    const source = fromFlag ? '--api-key' : 'FILEMILL_API_KEY';
    throw new CliError(
      `INVALID_API_KEY: the key in ${source} has a space or a character outside printable ASCII; a key has neither.`,
      2,
    );
  }
  return key;
}

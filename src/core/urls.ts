/** URLs of services (databases, Redis) as they may be shown in logs and messages. */

/** `url` without its password; empty for empty; a placeholder when it does not parse. */
export function shownUrl(url: string): string {
  if (url === '') return '';
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * What a host name or address is, for the two checks that ask: whether the server may listen
 * there without an API key (loopback only), and whether a request's `Host` header names this
 * server (DNS rebinding). Pure: no lookups, so a name is judged as written.
 */
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
// 127.x written as an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is loopback too.
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * Whether `host` (a bind address such as `127.0.0.1`, `::1`, `[::1]` or `localhost`) reaches
 * only this machine. Any other name is not: it could resolve to anything.
 */
export function isLoopbackHost(host: string): boolean {
  const name = unbracket(host.trim().toLowerCase());
  if (name === 'localhost') return true;
  const family = isIP(name);
  if (family === 0) return false;
  return LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The name part of a `Host` header, lower-case, without port, final dot or IPv6 brackets:
 * `Files.Example.com.:8080` → `files.example.com`, `[::1]:80` → `::1`. Null when it is not
 * a host (and port) at all.
 */
export function hostHeaderName(header: string): string | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/.exec(header);
  if (!match) return null;
  return unbracket(match[1]!.toLowerCase()).replace(/\.$/, '');
}

/**
 * Whether a browser could have sent `name` in a Host header only from a page of that very
 * name: an IP address (a page at http://192.0.2.7 is its own origin, no DNS involved) or
 * `localhost` and `*.localhost`, which browsers resolve to loopback themselves. A DNS name
 * may point anywhere, so a page of the attacker's name can be made to reach this server:
 * only names the operator listed are taken.
 */
export function cannotBeRebound(name: string): boolean {
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost');
}

function unbracket(name: string): string {
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}

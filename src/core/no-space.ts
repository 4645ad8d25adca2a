/**
 * Whether an error means the disk (or the database's disk) is full: a state that passes once
 * space is freed, not a fault of the request or of the file. Pure classification of the
 * codes the OS, SQLite and PostgreSQL use, so the service, the runner and the HTTP layer
 * agree on what "full" is.
 */

/**
 * `ENOSPC`/`EDQUOT` from the OS, `SQLITE_FULL` from SQLite (better-sqlite3 puts it in `code`),
 * and `53100` (disk_full) from PostgreSQL.
 */
const NO_SPACE_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);
/** The same, as libraries that lose the code (libvips through sharp, a command's stderr) say it. */
const NO_SPACE_MESSAGES =
  /ENOSPC|EDQUOT|No space left on device|Disk quota exceeded|database or disk is full/i;

/** True when `error`, or what it wraps (`cause`), says the disk is full. */
export function isNoSpace(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NO_SPACE_CODES.has(code)) return true;
    if (NO_SPACE_MESSAGES.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}

/** True when a message (from a worker, already stripped of paths) says the disk is full. */
export function saysNoSpace(message: string): boolean {
  return NO_SPACE_MESSAGES.test(message);
}

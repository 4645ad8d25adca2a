/**
 * What the page presents to the server (README, "Access control"): the person's API key once
 * they sign in, the share token of each batch uploaded from this tab (for *Copy link*), and
 * the token of a share link opened here. All of it lives in `sessionStorage` — this tab only,
 * gone when it closes — and never in the page's own URL: a share link's token is moved out of
 * the address bar as the page starts. A 401 from the server is reported here, and the page
 * shows the sign-in.
 */

const KEY = 'filemill.key';
/** Tokens of batches uploaded (or re-shared) from this tab: the owner's, to copy. */
const OWN = 'filemill.token.';
/** Tokens of share links opened in this tab: the page shows those batches read-only. */
const SHARED = 'filemill.shared.';

/** The page's `/batches/<id>` address, as App routes it. */
export const BATCH_PATH = /^\/batches\/(b_[A-Za-z0-9]+)\/?$/;

// sessionStorage can be missing or refuse writes (storage disabled, a sandboxed frame): the
// page then keeps the credentials for as long as it is open.
const memory = new Map<string, string>();
function read(name: string): string | null {
  try {
    return globalThis.sessionStorage.getItem(name);
  } catch {
    return memory.get(name) ?? null;
  }
}
function write(name: string, value: string | null): void {
  try {
    if (value === null) globalThis.sessionStorage.removeItem(name);
    else globalThis.sessionStorage.setItem(name, value);
  } catch {
    if (value === null) memory.delete(name);
    else memory.set(name, value);
  }
}

export const apiKey = (): string | null => read(KEY);
export const ownToken = (id: string): string | null => read(OWN + id);
export const rememberOwnToken = (id: string, token: string): void => write(OWN + id, token);
export const sharedToken = (id: string): string | null => read(SHARED + id);

/** What to send for a call about `batchId` (or not about a batch): a share link's token first, else the key. */
export function credentialFor(batchId?: string): string | null {
  return (batchId === undefined ? null : sharedToken(batchId)) ?? apiKey();
}

/**
 * At start: when the address is a share link (`/batches/<id>?token=…`), keeps its token for
 * that batch and takes it out of the address, so it stays out of the history and of any
 * `Referer`. Returns the batch id, or null when the address is not a share link.
 */
export function adoptShareLink(
  location: Pick<Location, 'pathname' | 'search' | 'hash'>,
  history: Pick<History, 'replaceState' | 'state'>,
): string | null {
  const id = BATCH_PATH.exec(location.pathname)?.[1];
  const query = new URLSearchParams(location.search);
  const token = query.get('token');
  if (id === undefined || token === null) return null;
  query.delete('token');
  const rest = query.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  if (token === '') return null;
  write(SHARED + id, token);
  return id;
}

/** Why the sign-in is shown: none sent, the key refused (wrong, revoked), or the person signed out. */
export type SignInReason = 'missing' | 'refused' | 'signed-out';

let signInReason: SignInReason | null = null;
const listeners = new Set<() => void>();
function set(reason: SignInReason | null): void {
  signInReason = reason;
  for (const listener of listeners) listener();
}

/** For `useSyncExternalStore`: the sign-in's reason, null while the page may be used. */
export const signInState = {
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: (): SignInReason | null => signInReason,
};

/** A call answered 401 (`sent` is the credential it carried): drop that key and ask for one. */
export function unauthorized(sent: string | null): void {
  if (signInReason !== null) return;
  const refused = sent !== null && sent === apiKey();
  if (refused) write(KEY, null);
  set(refused ? 'refused' : 'missing');
}

/** Keeps a key the server accepted. */
export function signIn(key: string): void {
  write(KEY, key);
  set(null);
}

/** Forgets the key and every token this tab holds, and shows the sign-in. */
export function signOut(): void {
  write(KEY, null);
  const names: string[] = [];
  try {
    for (let i = 0; i < globalThis.sessionStorage.length; i++)
      names.push(globalThis.sessionStorage.key(i) ?? '');
  } catch {
    names.push(...memory.keys());
  }
  for (const name of names) if (name.startsWith(OWN) || name.startsWith(SHARED)) write(name, null);
  set('signed-out');
}

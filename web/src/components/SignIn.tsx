/**
 * The sign-in, shown when the server answers 401: one password-type field for an API key,
 * tried against the server before it is kept (in this tab's sessionStorage only), and a
 * sentence saying where keys come from.
 */
import { useId, useState, type FormEvent } from 'react';
import { authorization, errorOf } from '../api.js';
import { signIn, type SignInReason } from '../credentials.js';

const WHY: Record<SignInReason, string> = {
  missing: 'This server needs an API key.',
  refused: 'The server no longer accepts the key this tab had: it may have been revoked. Sign in again.',
  'signed-out': 'Signed out: this tab no longer holds a key.',
};

/** What is wrong with a pasted key before anything is sent, or null. */
export function keyProblem(key: string): string | null {
  if (key === '') return 'Paste the API key first.';
  if (!key.startsWith('fm_')) return 'An API key starts with fm_ (a share link’s token is not a key).';
  if (!/^[\x21-\x7e]+$/.test(key))
    return 'An API key has no spaces or other special characters: paste it again.';
  return null;
}

export function SignIn({ reason }: { reason: SignInReason }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = key.trim();
    const problem = keyProblem(candidate);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      // Tried on a cheap call first, so a wrong key is said here, not by a broken page.
      const response = await fetch('/api/limits', { headers: authorization(candidate) });
      if (response.ok) return signIn(candidate);
      setError(
        response.status === 401
          ? 'That key was not accepted: it is wrong, or it has been revoked. Check it, or ask the operator for a new one.'
          : (await errorOf(response)).message,
      );
    } catch {
      setError('The server cannot be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="signin">
      <h1 id={`${id}-title`}>Sign in</h1>
      <p>{WHY[reason]}</p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor={`${id}-key`}>API key</label>
          <input
            id={`${id}-key`}
            type="password"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
          />
          <small id={`${id}-help`}>
            Keys are made on the server by its operator: <code>filemill keys create --name NAME</code>. The
            key is kept in this tab only, until it is closed or you sign out.
          </small>
          {error && (
            <small id={`${id}-error`} className="error" role="alert">
              {error}
            </small>
          )}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}

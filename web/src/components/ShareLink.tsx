/**
 * *Copy link*: the batch's read-only share link, `<origin>/batches/<id>?token=<token>`. The
 * token is known only to the tab that uploaded the batch (it came in the upload's answer);
 * elsewhere the button first asks the server for a new one, which ends the links given
 * before — the button's description says so before it is pressed. The link is also shown in
 * a field, for when the clipboard is out of reach (a plain-HTTP address on the network).
 * Once copied it says "Copied" for a few seconds, in a live region a screen reader announces;
 * the button's name stays its visible text.
 */
import { useEffect, useId, useState } from 'react';
import { api, ApiError } from '../api.js';
import { ownToken, rememberOwnToken } from '../credentials.js';

/** How long "Copied" stays, in ms. */
export const COPIED_MS = 4000;

export function shareUrl(origin: string, id: string, token: string): string {
  return `${origin}/batches/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`;
}

export function ShareLink({ id }: { id: string }) {
  const [link, setLink] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hint = useId();
  const known = ownToken(id) !== null;
  const [copied, setCopied] = useState(0);
  useEffect(() => {
    if (copied === 0) return;
    const timer = setTimeout(() => setMessage(null), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      let token = ownToken(id);
      if (token === null) {
        token = (await api.newToken(id)).token;
        rememberOwnToken(id, token);
      }
      const url = shareUrl(window.location.origin, id, token);
      setLink(url);
      try {
        await navigator.clipboard.writeText(url);
        setMessage('Copied');
        // A new count each time: a second copy shows "Copied" for the full time again.
        setCopied((n) => n + 1);
      } catch {
        setMessage('The clipboard is not available here: copy the link from the field.');
      }
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="share">
      <button type="button" onClick={() => void copy()} disabled={busy} aria-describedby={hint}>
        Copy link
      </button>
      <small id={hint} className="hint">
        {known || link
          ? 'Read-only: whoever has the link sees this batch and its downloads, and cannot change it.'
          : 'Makes a new read-only link: links given out before for this batch stop working.'}
      </small>
      {link && (
        <input
          type="text"
          readOnly
          value={link}
          aria-label="Share link"
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
      <span role="status" aria-live="polite" className="copied">
        {message}
      </span>
      {error && <span role="alert">{error}</span>}
    </div>
  );
}

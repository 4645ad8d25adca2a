/**
 * A download (the ZIP, a report, a file's output) that works with whatever credential the
 * page holds. Without one, or in a shared view, it is a plain link the browser follows — the
 * share token rides in its `?token=`. A signed-in person's key must not go in a link (it would
 * stay in the browser's downloads list): the click fetches with `Authorization` instead and
 * saves what came back.
 */
import { useState, type MouseEvent, type ReactNode } from 'react';
import { api, ApiError, call } from '../api.js';
import { apiKey, sharedToken } from '../credentials.js';

/** The file name a `Content-Disposition` header gives (RFC 6266: `filename*` first). */
export function fileNameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const utf8 = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (utf8) {
    try {
      return decodeURIComponent(utf8.trim());
    } catch {
      // A broken encoding: fall back to the plain name.
    }
  }
  return /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? null;
}

async function saveWithKey(batchId: string, path: string, fileName: string | undefined): Promise<void> {
  const response = await call(path, {}, batchId);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName ?? fileNameOf(response.headers.get('content-disposition')) ?? '';
  document.body.append(link);
  link.click();
  link.remove();
  // The download holds the blob once started; the address is only needed for the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function Download({
  batchId,
  path,
  className,
  label,
  fileName,
  children,
}: {
  batchId: string;
  /** The API path, e.g. `api.resultsUrl(id)`. */
  path: string;
  className?: string;
  /** The accessible name, when the visible text alone does not say what is downloaded. */
  label?: string;
  /** What the file is saved as (`trip-results.zip`); by default the server's name for it. */
  fileName?: string;
  children: ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onClick = async (event: MouseEvent<HTMLAnchorElement>) => {
    if (apiKey() === null || sharedToken(batchId) !== null) return;
    event.preventDefault();
    if (busy) return;
    setError(null);
    setBusy(true);
    try {
      await saveWithKey(batchId, path, fileName);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <a
        className={className}
        href={api.downloadUrl(batchId, path)}
        download={fileName ?? ''}
        aria-label={label}
        aria-busy={busy || undefined}
        onClick={(event) => void onClick(event)}
      >
        {children}
      </a>
      {error && <span role="alert">{error}</span>}
    </>
  );
}

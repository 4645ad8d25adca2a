/**
 * Past batches, newest first: name (or id), status, counts, when; open one to see its queue
 * and summary.
 */
import { useEffect, useState } from 'react';
import { api, ApiError, type BatchView } from '../api.js';
import { PageLink } from '../App.js';

export function History() {
  const [batches, setBatches] = useState<BatchView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = (from: string | null) =>
    api.batches(from).then(
      (page) => {
        setBatches((before) => (from ? [...before, ...page.items] : page.items));
        setCursor(page.nextCursor);
        setLoaded(true);
      },
      (e: unknown) => setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
    );
  useEffect(() => void load(null), []);

  if (error) return <p role="alert">{error}</p>;
  if (!loaded) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="history-title">
      <h1 id="history-title">Past batches</h1>
      {batches.length === 0 ? (
        <p>No batches yet.</p>
      ) : (
        <table className="stack" aria-label="Past batches">
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Status</th>
              <th scope="col">Files</th>
              <th scope="col">Processor</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {batches.map((b) => (
              <tr key={b.id}>
                <td className="lead">
                  <PageLink to={`/batches/${b.id}`}>{b.name ?? <code>{b.id}</code>}</PageLink>
                  {b.name !== null && (
                    <>
                      {' '}
                      <small className="hint">
                        <code>{b.id}</code>
                      </small>
                    </>
                  )}
                </td>
                <td>{b.status.replaceAll('_', ' ')}</td>
                <td>
                  {b.counts.succeeded}/{b.totalFiles} succeeded
                  {b.counts.failed > 0 ? `, ${b.counts.failed} failed` : ''}
                  {b.counts.cancelled > 0 ? `, ${b.counts.cancelled} cancelled` : ''}
                </td>
                <td>
                  {b.processor}
                  {b.preset ? ` (${b.preset})` : ''}
                </td>
                <td>
                  {b.createdAt === null ? (
                    'unknown'
                  ) : (
                    <time dateTime={b.createdAt}>{new Date(b.createdAt).toLocaleString()}</time>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          Show older batches
        </button>
      )}
    </section>
  );
}

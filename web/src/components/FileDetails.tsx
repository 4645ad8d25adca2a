/**
 * One file in full, in a panel at the side of the batch's page: its runs (attempts, start,
 * end, time, CPU), its sizes and output, the whole error (code and sentence), and what its
 * processor found (`details`, e.g. what the PDF sanitizer took out). Read from
 * `GET /api/batches/:id/files/:index`, again whenever its row changes. A modal `<dialog>`:
 * Esc or *Close* shuts it, and the focus goes back to the row's name that opened it.
 */
import { useEffect, useState } from 'react';
import { useModal } from './modal.js';
import { formatBytes, formatChange, formatDuration } from '../../../src/core/format.js';
import { api, ApiError, type FileView } from '../api.js';
import { StatusIcon } from './StatusIcon.js';

interface Props {
  batchId: string;
  /** The row as the page has it; null while the panel is shut. */
  row: FileView | null;
  onClose(): void;
}

export function FileDetails({ batchId, row, onClose }: Props) {
  const dialog = useModal(row !== null);
  const [file, setFile] = useState<FileView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Read again when the row moves on (a run ends, a retry starts) while the panel is open.
  const index = row?.index ?? null;
  const version = row ? `${row.status}/${row.attempts}/${row.finishedAt}` : '';
  useEffect(() => {
    if (index === null) return;
    let current = true;
    setError(null);
    api.file(batchId, index).then(
      (f) => current && setFile(f),
      (e: unknown) => current && setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
    );
    return () => {
      current = false;
    };
  }, [batchId, index, version]);
  const shown = file && file.index === index ? file : row;
  return (
    <dialog ref={dialog} className="side-panel" aria-labelledby="file-details-title" onCancel={onClose}>
      {shown && <FileFacts file={shown} />}
      {error && <p role="alert">{error}</p>}
      <button type="button" className="close" onClick={onClose}>
        Close
      </button>
    </dialog>
  );
}

/** When, as the reader's clock says it; "—" when it did not happen. */
function when(at: string | null) {
  return at === null ? '—' : <time dateTime={at}>{new Date(at).toLocaleString()}</time>;
}

export function FileFacts({ file: f }: { file: FileView }) {
  return (
    <>
      <h2 id="file-details-title">{f.name}</h2>
      <p className="file-status">
        <StatusIcon status={f.status} /> <span aria-hidden="true">{f.status}</span>
      </p>
      {f.error && (
        <div className="file-error" role="group" aria-label="Error">
          <code>{f.error.code}</code>
          <p>{f.error.message}</p>
        </div>
      )}
      <dl className="file-facts">
        <dt>Attempts</dt>
        <dd>{f.attempts}</dd>
        <dt>Started</dt>
        <dd>{when(f.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(f.finishedAt)}</dd>
        <dt>Time</dt>
        <dd>{f.durationMs === null ? '—' : formatDuration(f.durationMs)}</dd>
        <dt>CPU</dt>
        <dd>{f.cpuMs === null ? '—' : formatDuration(f.cpuMs)}</dd>
        <dt>Input</dt>
        <dd>
          {formatBytes(f.inputBytes)}
          {f.contentType ? `, ${f.contentType}` : ''}
        </dd>
        <dt>Output</dt>
        <dd>
          {f.outputBytes === null
            ? '—'
            : `${formatBytes(f.outputBytes)} (${formatChange(f.inputBytes, f.outputBytes)})`}
          {f.outputType ? `, ${f.outputType}` : ''}
          {f.outputName && (
            <>
              <br />
              <code>{f.outputName}</code>
            </>
          )}
        </dd>
        {f.node && (
          <>
            <dt>Node</dt>
            <dd>{f.node}</dd>
          </>
        )}
      </dl>
      {f.details && Object.keys(f.details).length > 0 && (
        <section aria-labelledby="file-findings">
          <h3 id="file-findings">What the processor found</h3>
          <Details value={f.details} />
        </section>
      )}
    </>
  );
}

/** A processor's `details`, whatever their shape: objects as nested lists, the rest as text. */
function Details({ value }: { value: unknown }) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return (
      <dl className="details">
        {Object.entries(value).map(([key, v]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>
              <Details value={v} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? (
      <>none</>
    ) : (
      <ul>
        {value.map((v, i) => (
          <li key={i}>
            <Details value={v} />
          </li>
        ))}
      </ul>
    );
  }
  return <>{value === null ? '—' : String(value)}</>;
}

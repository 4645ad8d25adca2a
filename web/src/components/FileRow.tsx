/**
 * One file's row in a batch's list: status, name and error, progress, time, size before →
 * after, and its control (cancel, retry, or its output). A row that its events made final
 * lacks its time and sizes, which the events do not carry: it says so (`onUnfinished`), and
 * the page asks the server for them. Its name opens the file's details (FileDetails).
 */
import { useEffect, type Ref } from 'react';
import { formatBytes, formatChange, formatDuration } from '../../../src/core/format.js';
import { api, type FileView } from '../api.js';
import { Download } from './Download.js';
import { StatusIcon } from './StatusIcon.js';

interface Props {
  file: FileView;
  batchId: string;
  /** A shared view: no control that changes the batch. */
  readOnly: boolean;
  onCancel(index: number): void;
  onRetry(index: number): void;
  /** Called while the row is shown final without the result of its run. */
  onUnfinished(file: FileView): void;
  /** The file's name was pressed: show all about it. */
  onDetails(index: number): void;
  /** Set by the virtualiser, which measures the row. */
  'data-index'?: number;
  ref?: Ref<HTMLTableRowElement>;
}

/** Final, with its run's end not known here yet: read before it ended, made final by an event. */
export function unfinished(f: FileView): boolean {
  return (f.status === 'succeeded' || f.status === 'failed') && f.finishedAt === null;
}

export function FileRow({
  file: f,
  batchId,
  readOnly,
  onCancel,
  onRetry,
  onUnfinished,
  onDetails,
  ...row
}: Props) {
  const lacking = unfinished(f);
  useEffect(() => {
    if (lacking) onUnfinished(f);
  }, [lacking, f, onUnfinished]);
  return (
    <tr data-status={f.status} data-index={row['data-index']} ref={row.ref}>
      <td>
        {/* The icon is named by the status: the word beside it is for the eye, said once. */}
        <StatusIcon status={f.status} /> <span aria-hidden="true">{f.status}</span>
      </td>
      <td className="lead">
        <button type="button" className="file-name" aria-haspopup="dialog" onClick={() => onDetails(f.index)}>
          {f.name}
        </button>
        {f.error && (
          <div className="error">
            {f.error.code}: {f.error.message}
          </div>
        )}
      </td>
      <td>
        <progress value={f.progress} max={100} aria-label={`${f.name} progress`} />
      </td>
      <td>{f.durationMs === null ? '' : formatDuration(f.durationMs)}</td>
      <td>
        {formatBytes(f.inputBytes)}
        {f.outputBytes !== null &&
          ` → ${formatBytes(f.outputBytes)} (${formatChange(f.inputBytes, f.outputBytes)})`}
      </td>
      <td className="end">
        {!readOnly && (f.status === 'queued' || f.status === 'running' || f.status === 'retrying') && (
          <button type="button" aria-label={`Cancel ${f.name}`} onClick={() => onCancel(f.index)}>
            Cancel
          </button>
        )}
        {!readOnly && (f.status === 'failed' || f.status === 'cancelled') && (
          <button type="button" aria-label={`Retry ${f.name}`} onClick={() => onRetry(f.index)}>
            Retry
          </button>
        )}
        {f.status === 'succeeded' && (
          <Download batchId={batchId} path={api.outputUrl(batchId, f.index)} label={`Output of ${f.name}`}>
            Output
          </Download>
        )}
      </td>
    </tr>
  );
}

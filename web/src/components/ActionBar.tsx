/**
 * The new batch's action bar: how many files are chosen and their size, what will be done to
 * them, and *Start* — or, once started, the upload's progress and *Cancel upload*. It sticks
 * to the bottom of the window, so a long list of files never pushes *Start* out of reach.
 */
import { formatBytes } from '../../../src/core/format.js';

interface Props {
  count: number;
  bytes: number;
  /** What is applied to every file, e.g. `Convert images · web, with quality 70`. */
  plan: string;
  /** Why *Start* cannot be pressed yet, or null. */
  blocked: string | null;
  /** The files are still being compared: *Start* waits, without a word (the list says it). */
  busy: boolean;
  upload: { sent: number; total: number } | null;
  onStart(): void;
  onCancel(): void;
}

export function ActionBar({ count, bytes, plan, blocked, busy, upload, onStart, onCancel }: Props) {
  return (
    <div className="action-bar" role="region" aria-label="Start the batch">
      {upload ? (
        <>
          <label className="progress">
            Uploading {formatBytes(upload.sent)} of {formatBytes(upload.total)}
            <progress value={upload.sent} max={upload.total || 1} />
          </label>
          <button type="button" onClick={onCancel}>
            Cancel upload
          </button>
        </>
      ) : (
        <>
          <p className="chosen">
            <strong>
              {count === 0
                ? 'No files chosen yet'
                : `${count} ${count === 1 ? 'file' : 'files'} · ${formatBytes(bytes)}`}
            </strong>
            <span className="plan">{plan}</span>
            {blocked && <span role="alert">{blocked}</span>}
          </p>
          <button
            type="button"
            className="primary"
            disabled={count === 0 || blocked !== null || busy}
            onClick={onStart}
          >
            Start
            {count > 0 && (
              <span className="visually-hidden"> {count === 1 ? '1 file' : `${count} files`}</span>
            )}
          </button>
        </>
      )}
    </div>
  );
}

/**
 * The files chosen for a new batch, one row each: a thumbnail or the icon of its kind, the
 * name the batch will give it (and the one it came with, when another file had that name),
 * its type and size, and a button to take it out.
 */
import { formatBytes } from '../../../src/core/format.js';
import { typeLabel } from '../extensions.js';
import type { Candidate } from '../selection.js';
import { FileThumb } from './FileThumb.js';

interface Props {
  files: readonly Candidate[];
  totalBytes: number;
  /** While the files are sent, none can be taken out. */
  locked: boolean;
  onRemove(file: Candidate): void;
}

export function ChosenFiles({ files, totalBytes, locked, onRemove }: Props) {
  return (
    <table className="preview stack" aria-label="Files to send">
      <caption>
        {files.length} files, {formatBytes(totalBytes)}
      </caption>
      <thead>
        <tr>
          <th scope="col">
            <span className="visually-hidden">Preview</span>
          </th>
          <th scope="col">File</th>
          <th scope="col">Type</th>
          <th scope="col">Size</th>
          <th scope="col">
            <span className="visually-hidden">Remove</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {files.map((c) => (
          <tr key={c.path}>
            <td className="thumb-cell">
              <FileThumb file={c.file} />
            </td>
            <td className="lead">
              {c.path}
              {c.renamedFrom && (
                <small className="renamed">
                  Sent as {c.path.split('/').pop()}: another file is named {c.renamedFrom}
                </small>
              )}
            </td>
            <td>{typeLabel(c.file.type, c.path)}</td>
            <td>{formatBytes(c.file.size)}</td>
            <td className="end">
              <button
                type="button"
                aria-label={`Remove ${c.path}`}
                onClick={() => onRemove(c)}
                disabled={locked}
              >
                <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
                  <path
                    d="M3 3l10 10M13 3L3 13"
                    stroke="currentColor"
                    strokeWidth="2"
                    strokeLinecap="round"
                  />
                </svg>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * *Show*: which files the list shows, by status, each option with how many files have it
 * ("failed (3)"), so a person sees where to look before choosing.
 */
import { FILE_STATUSES } from '../../../src/core/model.js';
import type { FileView } from '../api.js';
import type { View } from '../queue-state.js';

/** How many of `files` have each status. */
export function statusCounts(files: readonly FileView[]): Record<FileView['status'], number> {
  const counts = Object.fromEntries(FILE_STATUSES.map((s) => [s, 0])) as Record<FileView['status'], number>;
  for (const f of files) counts[f.status] += 1;
  return counts;
}

export function StatusFilter({
  files,
  value,
  onChange,
}: {
  files: readonly FileView[];
  value: View['status'];
  onChange(status: View['status']): void;
}) {
  const counts = statusCounts(files);
  return (
    <label>
      Show{' '}
      <select value={value} onChange={(e) => onChange(e.target.value as View['status'])}>
        <option value="all">all ({files.length})</option>
        {FILE_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s} ({counts[s]})
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * A file's status as a small drawing: inline SVG in the text's colour, so it shows the same
 * on every system (the emoji it replaces drew an empty box where no emoji font is installed).
 * It carries the status as its accessible name.
 */
import type { FileView } from '../api.js';

type Status = FileView['status'];

/** One path per status, drawn on a 16 × 16 grid with a 2-unit stroke. */
const SHAPE: Record<Status, string> = {
  // An hourglass.
  queued: 'M4 2h8M4 14h8M5 2c0 4 6 4 6 6s-6 2-6 6M11 2c0 4-6 4-6 6s6 2 6 6',
  // A play triangle.
  running: 'M5 3l8 5-8 5z',
  // A circling arrow.
  retrying: 'M13 8a5 5 0 1 1-1.5-3.5M12 2v3h-3',
  // A tick.
  succeeded: 'M3 8.5l3.5 3.5L13 4.5',
  // A cross.
  failed: 'M4 4l8 8M12 4l-8 8',
  // A barred circle.
  cancelled: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11M4 12l8-8',
};

export function StatusIcon({ status }: { status: Status }) {
  return (
    <svg
      className={`status-icon status-${status}`}
      role="img"
      aria-label={status}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      focusable="false"
    >
      <path
        d={SHAPE[status]}
        fill={status === 'running' ? 'currentColor' : 'none'}
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/**
 * A file's kind drawn as an inline SVG icon: a page with a mark for what it holds. Shapes
 * only, no text, emoji or icon font, so it looks the same on every system.
 */
import type { ReactElement } from 'react';
import type { FileKind } from '../extensions.js';

/** What is drawn on the page for each kind (a 24-unit square, page from x 5 to 19). */
const MARKS: Record<FileKind, ReactElement | null> = {
  // A mountain under a sun.
  image: (
    <>
      <circle cx="10" cy="10.5" r="1.6" />
      <path d="M7 18l3.5-4.5 2.5 3 2-2 2 3.5z" />
    </>
  ),
  // A band across the page.
  pdf: <rect x="7" y="12" width="10" height="4" rx="0.8" />,
  // A heading and lines.
  document: <path d="M8 9.5h5M8 12.5h8M8 15h8M8 17.5h6" className="stroke" />,
  text: <path d="M8 12h8M8 14.5h8M8 17h5" className="stroke" />,
  // A zip's teeth down the middle.
  archive: <path d="M12 4v2M11 7h2M12 8v2M11 11h2M12 12v2M10.5 15h3v3h-3z" className="stroke" />,
  other: null,
};

export function FileIcon({ kind }: { kind: FileKind }) {
  return (
    <svg
      className={`file-icon ${kind}`}
      viewBox="0 0 24 24"
      width="44"
      height="44"
      aria-hidden="true"
      focusable="false"
    >
      <path className="page" d="M6 2.5h8.5L19 7v14.5H6z M14.5 2.5V7H19" />
      <g className="mark">{MARKS[kind]}</g>
    </svg>
  );
}

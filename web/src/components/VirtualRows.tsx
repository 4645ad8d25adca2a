/**
 * A table body that renders only the rows near the viewport (TanStack Virtual, measuring
 * each row, since a failed file's row is taller), so a batch of thousands of files stays
 * smooth while its rows change many times a second. Spacer rows keep the scroll height.
 *
 * The rows' place in the page (the virtualiser's scroll margin) is measured again whenever
 * the page's layout changes: what is above them changes height after they appear (the
 * summary arrives when the batch ends, an error is shown, the window is narrowed). Measured
 * once, a stale margin made the virtualiser correct the scroll position for rows it wrongly
 * took to be above the view, back and forth on every frame.
 */
import { cloneElement, useLayoutEffect, useRef, useState, type ReactElement } from 'react';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import type { FileView } from '../api.js';

interface Props {
  rows: FileView[];
  render(file: FileView): ReactElement<{ 'data-index'?: number; ref?: unknown }>;
}

/** A guess before a row is measured: one line of text. */
const ROW_HEIGHT = 38;

export function VirtualRows({ rows, render }: Props) {
  const body = useRef<HTMLTableSectionElement>(null);
  const [offset, setOffset] = useState(0);
  useLayoutEffect(() => {
    const rows = body.current;
    if (!rows) return;
    const measure = () => setOffset(rows.getBoundingClientRect().top + window.scrollY);
    measure();
    // Anything above the rows that changes height changes the body's height too. The rows'
    // own changes do as well, but leave their offset as it was: no new render then.
    const observer = new ResizeObserver(measure);
    observer.observe(document.body);
    return () => observer.disconnect();
  }, []);
  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: offset,
    getItemKey: (i) => rows[i]!.index,
  });
  const items = virtualizer.getVirtualItems();
  const before = items.length > 0 ? items[0]!.start - virtualizer.options.scrollMargin : 0;
  const after =
    items.length > 0
      ? virtualizer.getTotalSize() - (items.at(-1)!.end - virtualizer.options.scrollMargin)
      : 0;
  return (
    <tbody ref={body}>
      {before > 0 && (
        <tr className="spacer" aria-hidden="true">
          <td colSpan={6} style={{ height: before, padding: 0, border: 0 }} />
        </tr>
      )}
      {items.map((item) =>
        cloneElement(render(rows[item.index]!), {
          key: item.key,
          'data-index': item.index,
          ref: virtualizer.measureElement,
        }),
      )}
      {after > 0 && (
        <tr className="spacer" aria-hidden="true">
          <td colSpan={6} style={{ height: after, padding: 0, border: 0 }} />
        </tr>
      )}
    </tbody>
  );
}

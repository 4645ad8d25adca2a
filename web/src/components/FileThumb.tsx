/**
 * The picture at the start of a chosen file's row: a thumbnail of an image the browser can
 * draw, made only once the row comes near the view (a list of hundreds of photos decodes
 * only those looked at), or the icon of its kind. The decoded picture is let go as soon as it
 * is drawn; what remains is the row's small canvas, gone with the row.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { drawable, kindOf } from '../extensions.js';
import { drawCovering, makeThumbnail, THUMB_SIZE } from '../thumbnails.js';
import { FileIcon } from './FileIcon.js';

/** Rows this far below the view are made ahead, so a thumbnail is there as one scrolls. */
const AHEAD = '200px';

/** True once the element has come within AHEAD of the view; it stays true. */
function useSeen(element: RefObject<Element | null>, watch: boolean): boolean {
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const target = element.current;
    if (!watch || seen || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) setSeen(true);
      },
      { rootMargin: AHEAD },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [element, watch, seen]);
  return seen;
}

export function FileThumb({ file }: { file: File }) {
  const box = useRef<HTMLSpanElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  // 'icon' until a thumbnail is drawn, and for good when the file cannot be decoded.
  const [state, setState] = useState<'icon' | 'drawn' | 'failed'>('icon');
  const wanted = drawable(file.type) && state !== 'failed';
  const seen = useSeen(box, wanted);

  useEffect(() => {
    if (!seen || !wanted) return;
    const abort = new AbortController();
    makeThumbnail(file, abort.signal).then(
      (bitmap) => {
        if (canvas.current && !abort.signal.aborted) {
          drawCovering(canvas.current, bitmap);
          setState('drawn');
        }
        bitmap.close();
      },
      // A file named as an image that is not one (or one this browser cannot read).
      () => !abort.signal.aborted && setState('failed'),
    );
    return () => abort.abort();
  }, [file, seen, wanted]);

  const kind = kindOf(file.type);
  return (
    <span className="thumb" ref={box} data-thumb={state} data-kind={kind}>
      {/* There before it is drawn, so the effect has it to draw on; shown once drawn. */}
      {wanted && <canvas ref={canvas} width={THUMB_SIZE} height={THUMB_SIZE} hidden={state !== 'drawn'} />}
      {state !== 'drawn' && <FileIcon kind={kind} />}
    </span>
  );
}

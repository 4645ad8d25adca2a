/**
 * A `<dialog>` shown as a modal while `open` and closed otherwise: the browser then keeps the
 * focus inside, makes the rest of the page inert, closes it on Esc (firing `cancel`) and gives
 * the focus back to where it was.
 */
import { useEffect, useRef, type RefObject } from 'react';

/** The ref to put on the `<dialog>`. */
export function useModal(open: boolean): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return dialog;
}

/**
 * Asks before an action that cannot be undone (*Cancel all*): a modal `<dialog>`, so the rest
 * of the page is inert while it is open, Esc answers no, and the focus goes back to the
 * button that opened it when it closes (the browser does both). The safe answer has the focus.
 */
import { useId, type ReactNode } from 'react';
import { useModal } from './modal.js';

interface Props {
  open: boolean;
  title: string;
  children: ReactNode;
  /** The button that goes ahead, e.g. "Cancel all files". */
  confirm: string;
  /** The button that does nothing, e.g. "Keep running". */
  dismiss: string;
  onConfirm(): void;
  /** Closed without going ahead: the dismiss button, or Esc. */
  onDismiss(): void;
}

export function ConfirmDialog({ open, title, children, confirm, dismiss, onConfirm, onDismiss }: Props) {
  const dialog = useModal(open);
  const heading = useId();
  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby={heading}
      // Esc: the browser fires `cancel`, then closes the dialog itself.
      onCancel={onDismiss}
    >
      <h2 id={heading}>{title}</h2>
      {children}
      <div className="actions">
        {/* The safe answer first, with the focus: a stray Enter does no harm. */}
        <button type="button" autoFocus onClick={onDismiss}>
          {dismiss}
        </button>
        <button type="button" className="danger" onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </dialog>
  );
}

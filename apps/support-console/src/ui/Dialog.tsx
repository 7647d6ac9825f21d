import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { describeFailure } from '../system.ts';

/**
 * The text of a required field, trimmed; blank (spaces only, which `required` lets through) is
 * refused here with `problem`, which the dialog shows, rather than sent to be refused by the server.
 */
export function requireText(value: string, problem: string): string {
  const text = value.trim();
  if (text === '') throw new Error(problem);
  return text;
}

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus, closes it on Escape
 * and makes the rest of the page inert. Its form runs `onSubmit`; a failure is shown in the
 * dialog and leaves it open with everything typed.
 */
export function Dialog({
  title,
  description,
  confirmLabel,
  confirmTone = 'primary',
  dismissLabel = 'Cancel',
  onSubmit,
  onClose,
  keepOpen = false,
  children,
}: {
  title: string;
  description?: ReactNode;
  confirmLabel: string;
  confirmTone?: 'primary' | 'danger' | 'warning' | 'success';
  /** "Cancel" drops what the dialog would do; where nothing is pending, "Close" says so. */
  dismissLabel?: string;
  onSubmit: () => Promise<void>;
  onClose: () => void;
  /** Stay open after a successful submit (a dialog that adds one item after another). */
  keepOpen?: boolean;
  children?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    // Removing the element ends the modal state, so there is nothing to undo on unmount.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit();
      if (keepOpen) setBusy(false);
      else onClose();
    } catch (caught) {
      setError(describeFailure(caught));
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {description && <div className="dialog-description">{description}</div>}
        {children}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            {dismissLabel}
          </button>
          <button type="submit" className={`button ${confirmTone}`} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

import { useState } from 'react';
import { describeFailure } from '../../system.ts';
import { useDesk, useDeskState } from '../hooks.ts';
import { Dialog, requireText } from '../Dialog.tsx';

/** The team's stock answers: listed, added and removed here, inserted in the composer with `/shortcut`. */
export function CannedResponsesDialog({ onClose }: { onClose: () => void }) {
  const desk = useDesk();
  const canned = useDeskState((state) => state.canned);
  const [title, setTitle] = useState('');
  const [shortcut, setShortcut] = useState('');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  return (
    <Dialog
      title="Canned responses"
      description="Type / and the shortcut in the composer to insert one."
      confirmLabel="Add response"
      // Each response is saved as it is added: closing undoes nothing.
      dismissLabel="Close"
      onClose={onClose}
      keepOpen
      onSubmit={async () => {
        await desk.addCanned({
          title: requireText(title, 'Give the response a title.'),
          shortcut: requireText(shortcut, 'Give the response a shortcut.').replace(/^\//, ''),
          text: requireText(text, 'Write the text of the response.'),
        });
        setTitle('');
        setShortcut('');
        setText('');
      }}
    >
      <ul className="canned-list" aria-label="Saved responses">
        {canned.length === 0 && <li className="muted">No canned responses yet.</li>}
        {canned.map((item) => (
          <li key={item.id} className="canned-item">
            <span className="suggestion-shortcut">/{item.shortcut}</span>
            <span className="canned-title">{item.title}</span>
            <span className="canned-text">{item.text}</span>
            <button
              type="button"
              className="button small ghost"
              aria-label={`Delete /${item.shortcut}`}
              onClick={() => desk.removeCanned(item.id).catch((caught: unknown) => setError(describeFailure(caught)))}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="field-row">
        <label className="field">
          <span>Title</span>
          <input value={title} onChange={(event) => setTitle(event.target.value)} required maxLength={200} />
        </label>
        <label className="field">
          <span>Shortcut</span>
          <input value={shortcut} onChange={(event) => setShortcut(event.target.value)} required maxLength={64} pattern="/?[A-Za-z0-9][A-Za-z0-9_.\-]*" placeholder="refund" />
        </label>
      </div>
      <label className="field">
        <span>Text</span>
        <textarea value={text} onChange={(event) => setText(event.target.value)} required maxLength={10_000} rows={3} />
      </label>
    </Dialog>
  );
}

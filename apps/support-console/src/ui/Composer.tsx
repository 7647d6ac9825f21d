import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { CannedResponse } from '@chat/contracts';
import { describeFailure } from '../system.ts';
import { useDesk, useDeskState } from './hooks.ts';

const MAX_LENGTH = 10_000;
const MAX_SUGGESTIONS = 6;

/** The `/word` being typed right before the caret, if any. */
function slashWordBefore(text: string, caret: number): { start: number; word: string } | null {
  const match = /(^|\s)\/([A-Za-z0-9_.-]*)$/.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[2]!.length - 1, word: match[2]! };
}

/**
 * The composer: Enter sends, Shift+Enter starts a new line, `/shortcut` offers canned responses,
 * and staff can switch to writing an internal note. The draft is kept per channel, and a message
 * sent while offline waits in the outbox until it can go.
 */
export function Composer({
  channelId,
  archived,
  supportCase,
  reopensOnReply,
}: {
  channelId: string;
  archived: boolean;
  supportCase: boolean;
  /** A participant writing into a resolved case reopens it: they are told before they do. */
  reopensOnReply: boolean;
}) {
  const desk = useDesk();
  const canned = useDeskState((state) => state.canned);
  const [text, setText] = useState(() => desk.draftOf(channelId));
  const [noteMode, setNoteMode] = useState(false);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [noteError, setNoteError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const inputId = useId();
  const hintId = useId();
  const listId = useId();
  const staff = desk.isStaff;
  // Internal notes belong to support cases: staff talk about a case beside the customer.
  const notesAllowed = staff && supportCase;

  const slash = staff ? slashWordBefore(text, caret) : null;
  const suggestions: CannedResponse[] =
    !slash || dismissed === `${slash.start}:${slash.word}`
      ? []
      : canned.filter((item) => item.shortcut.toLowerCase().startsWith(slash.word.toLowerCase())).slice(0, MAX_SUGGESTIONS);
  const showSuggestions = suggestions.length > 0;

  const change = (next: string, caretAt: number) => {
    setText(next);
    setCaret(caretAt);
    setActive(0);
    desk.keepDraft(channelId, next);
    if (!noteMode && next.trim() !== '') desk.typing(channelId);
  };

  const insert = (response: CannedResponse) => {
    if (!slash) return;
    const next = `${text.slice(0, slash.start)}${response.text}${text.slice(caret)}`;
    const caretAt = slash.start + response.text.length;
    change(next, caretAt);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(caretAt, caretAt);
    });
  };

  const submit = async () => {
    const content = text;
    if (content.trim() === '' || archived) return;
    if (noteMode) {
      setNoteError(null);
      try {
        await desk.addNote(channelId, content);
      } catch (error) {
        // A note is not queued: it stays in the composer until it can be saved.
        setNoteError(describeFailure(error));
        return;
      }
      // A note is an aside: the next thing written is a reply again, unless staff choose otherwise.
      setNoteMode(false);
    } else {
      desk.send(channelId, content);
    }
    change('', 0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (showSuggestions) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setActive((current) => (current + step + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        insert(suggestions[active] ?? suggestions[0]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        if (slash) setDismissed(`${slash.start}:${slash.word}`);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };

  if (archived) {
    return <p className="composer-closed">This conversation is archived and read-only.</p>;
  }

  return (
    <form className={`composer${noteMode ? ' composer-note' : ''}`} onSubmit={onSubmit}>
      {notesAllowed && (
        <div className="composer-mode">
          <button type="button" role="switch" aria-checked={noteMode} className="switch" onClick={() => setNoteMode((on) => !on)}>
            <span className="switch-track" aria-hidden="true">
              <span className="switch-thumb" />
            </span>
            Internal note
          </button>
          <span className="composer-mode-text">{noteMode ? 'Only staff will see this note.' : 'Replying to the customer.'}</span>
        </div>
      )}
      {reopensOnReply && (
        <p className="composer-notice" role="note">
          This case is resolved. Replying reopens it.
        </p>
      )}
      <div className="composer-box">
        <label htmlFor={inputId} className="sr-only">
          Message
        </label>
        <textarea
          id={inputId}
          ref={ref}
          value={text}
          rows={Math.min(8, Math.max(2, text.split('\n').length))}
          maxLength={MAX_LENGTH}
          placeholder={noteMode ? 'Write an internal note…' : staff ? 'Write a reply… (type / for canned responses)' : 'Write a message…'}
          aria-describedby={hintId}
          aria-controls={showSuggestions ? listId : undefined}
          aria-activedescendant={showSuggestions ? `${listId}-${active}` : undefined}
          onChange={(event) => change(event.target.value, event.target.selectionStart)}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className={`button ${noteMode ? 'warning' : 'primary'}`} disabled={text.trim() === ''}>
          {noteMode ? 'Add note' : 'Send'}
        </button>
        {showSuggestions && (
          <ul id={listId} role="listbox" aria-label="Canned responses" className="suggestions">
            {suggestions.map((item, index) => (
              <li
                key={item.id}
                id={`${listId}-${index}`}
                role="option"
                aria-selected={index === active}
                className={index === active ? 'suggestion suggestion-active' : 'suggestion'}
                onMouseDown={(event) => {
                  event.preventDefault();
                  insert(item);
                }}
              >
                <span className="suggestion-shortcut">/{item.shortcut}</span>
                <span className="suggestion-title">{item.title}</span>
                <span className="suggestion-text">{item.text}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {noteError && (
        <p className="form-error" role="alert">
          The note could not be saved: {noteError}
        </p>
      )}
      <p id={hintId} className="composer-hint">
        {noteMode ? 'Enter to add the note' : 'Enter to send'} · Shift+Enter for a new line{staff ? ' · / for canned responses' : ''}
      </p>
    </form>
  );
}

import { useState, type KeyboardEvent } from 'react';
import type { Message, Note, SenderType } from '@chat/contracts';
import type { PendingMessage } from '../state/persisted.ts';
import { initials, messageTime } from '../format.ts';
import { useDesk, useDeskState } from './hooks.ts';

const QUICK_REACTIONS: { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😄', name: 'smile' },
  { emoji: '🎉', name: 'party' },
  { emoji: '👀', name: 'eyes' },
  { emoji: '✅', name: 'check mark' },
];

const SENDER_TAGS: Record<SenderType, string | null> = {
  SUPER_ADMIN: 'Platform support',
  TENANT_ADMIN: 'Staff',
  MANAGEMENT_TEAM: 'Staff',
  PARTICIPANT: null,
  SYSTEM: null,
};

/** The people a system message names by id (it is written where names are not known). */
const NAMED_IN_SYSTEM_MESSAGES = ['assignedTo', 'escalatedTo'] as const;

/** A system message's text with the people it names called by their names, where the console knows them. */
function withNames(message: Message, nameOf: (userId: string) => string): string {
  let text = message.content;
  for (const field of NAMED_IN_SYSTEM_MESSAGES) {
    const userId = message.metadata?.[field];
    if (typeof userId === 'string' && userId !== '') text = text.replaceAll(userId, nameOf(userId));
  }
  return text;
}

/**
 * One message. Its content is always rendered as text, never as HTML, so whatever markup or
 * script a message carries stays inert.
 */
export function MessageItem({ message, seenBy }: { message: Message; seenBy: string[] | null }) {
  const desk = useDesk();
  const [editing, setEditing] = useState(false);
  const [reacting, setReacting] = useState(false);
  // The counts do not say who reacted: the console remembers the reactions the person left here.
  const [mine, setMine] = useState<ReadonlySet<string>>(() => new Set());
  const tenantId = message.tenantId;
  const { viewer } = desk;
  // A name learnt later (a channel's participants, a typing event) replaces the bare id.
  useDeskState((state) => state.names);

  if (message.senderType === 'SYSTEM') {
    return (
      <div className="system-message">
        <span className="system-text">{withNames(message, (userId) => desk.nameOf(userId, tenantId))}</span>
        <time dateTime={message.createdAt}>{messageTime(message.createdAt)}</time>
      </div>
    );
  }

  const own = message.senderId === viewer.userId;
  const deleted = message.deletedAt !== null;
  const author = own ? 'You' : desk.nameOf(message.senderId, tenantId);
  const tag = SENDER_TAGS[message.senderType];
  const mayEdit = own && !deleted;
  const mayDelete = !deleted && (own || viewer.role === 'TENANT_ADMIN' || viewer.role === 'MANAGEMENT_TEAM');
  const reactions = Object.entries(message.reactions ?? {}).filter(([, count]) => count > 0);

  const toggleReaction = (emoji: string) => {
    const add = !mine.has(emoji);
    const next = new Set(mine);
    if (add) next.add(emoji);
    else next.delete(emoji);
    setMine(next);
    setReacting(false);
    void desk.react(message, emoji, add);
  };

  return (
    <article className={`message${own ? ' message-own' : ''}${deleted ? ' message-deleted' : ''}${message.senderType !== 'PARTICIPANT' ? ' message-staff' : ''}`}>
      <span className="avatar" aria-hidden="true">
        {initials(own ? desk.nameOf(viewer.userId) : author)}
      </span>
      <div className="message-body">
        <header className="message-header">
          <span className="message-author">{author}</span>
          {tag && <span className="sender-tag">{tag}</span>}
          <time dateTime={message.createdAt}>{messageTime(message.createdAt)}</time>
          {message.editedAt && !deleted && <span className="edited">(edited)</span>}
        </header>
        {deleted ? (
          <p className="message-content muted">This message was deleted.</p>
        ) : editing ? (
          <EditBox
            initial={message.content}
            onCancel={() => setEditing(false)}
            onSave={(content) => {
              setEditing(false);
              if (content !== message.content) void desk.editMessage(message, content);
            }}
          />
        ) : (
          <p className="message-content">{message.content}</p>
        )}
        {reactions.length > 0 && !deleted && (
          <div className="reactions">
            {reactions.map(([emoji, count]) => (
              <button
                key={emoji}
                type="button"
                className={`reaction${mine.has(emoji) ? ' reaction-mine' : ''}`}
                aria-pressed={mine.has(emoji)}
                aria-label={`${emoji} ${count}`}
                onClick={() => toggleReaction(emoji)}
              >
                <span aria-hidden="true">{emoji}</span> <span aria-hidden="true">{count}</span>
              </button>
            ))}
          </div>
        )}
        {!deleted && !editing && (
          <div className="message-actions">
            <button type="button" className="icon-button" aria-expanded={reacting} onClick={() => setReacting((open) => !open)}>
              React
            </button>
            {mayEdit && (
              <button type="button" className="icon-button" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            {mayDelete && (
              <button
                type="button"
                className="icon-button danger"
                onClick={() => {
                  if (window.confirm('Delete this message for everyone?')) void desk.deleteMessage(message);
                }}
              >
                Delete
              </button>
            )}
          </div>
        )}
        {reacting && (
          <div className="reaction-picker" role="group" aria-label="Reactions">
            {QUICK_REACTIONS.map(({ emoji, name }) => (
              <button key={emoji} type="button" className="reaction" aria-label={`React with ${name}`} onClick={() => toggleReaction(emoji)}>
                {emoji}
              </button>
            ))}
          </div>
        )}
        {seenBy && seenBy.length > 0 && <p className="seen">Seen by {seenBy.join(', ')}</p>}
      </div>
    </article>
  );
}

function EditBox({ initial, onSave, onCancel }: { initial: string; onSave: (content: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const save = () => {
    if (text.trim() !== '') onSave(text);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') onCancel();
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      save();
    }
  };
  return (
    <div className="edit-box">
      <textarea aria-label="Edit message" value={text} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} autoFocus rows={2} />
      <div className="edit-actions">
        <button type="button" className="button small ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button small primary" onClick={save}>
          Save
        </button>
      </div>
    </div>
  );
}

/** An internal note: inline with the conversation, and unmistakably for staff only. */
export function NoteItem({ note }: { note: Note }) {
  const desk = useDesk();
  const author = note.authorId === desk.viewer.userId ? 'You' : desk.nameOf(note.authorId, note.tenantId);
  return (
    <article className="note" aria-label={`Internal note by ${author}`}>
      <header className="note-header">
        <span className="note-badge">
          <svg className="note-lock" viewBox="0 0 16 16" aria-hidden="true">
            <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
            <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          </svg>
          Internal note · staff only
        </span>
        <span className="message-author">{author}</span>
        <time dateTime={note.createdAt}>{messageTime(note.createdAt)}</time>
      </header>
      <p className="message-content">{note.content}</p>
    </article>
  );
}

const PENDING_TEXT: Record<PendingMessage['state'], string> = {
  sending: 'Sending…',
  waiting: 'Waiting for the connection. It will be sent automatically.',
  failed: 'Not sent.',
};

/** A message on its way: shown at once, with its state, until the system has it. */
export function PendingItem({ pending }: { pending: PendingMessage }) {
  const desk = useDesk();
  return (
    <article className={`message message-own message-pending message-${pending.state}`}>
      <span className="avatar" aria-hidden="true">
        {initials(desk.nameOf(desk.viewer.userId))}
      </span>
      <div className="message-body">
        <header className="message-header">
          <span className="message-author">You</span>
          <span className="pending-state">{PENDING_TEXT[pending.state]}</span>
        </header>
        <p className="message-content">{pending.content}</p>
        {pending.state === 'failed' && (
          <div className="pending-actions">
            {pending.error && <span className="inline-error">{pending.error}</span>}
            <button type="button" className="button small ghost" onClick={() => desk.retryPending(pending.clientMessageId)}>
              Retry
            </button>
            <button type="button" className="button small ghost" onClick={() => desk.discardPending(pending.clientMessageId)}>
              Discard
            </button>
          </div>
        )}
      </div>
    </article>
  );
}

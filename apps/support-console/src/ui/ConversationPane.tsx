import { CHANNEL_STATUS_OF_TICKET } from '../state/case-actions.ts';
import { PriorityChip, StatusChip } from './Chips.tsx';
import { Composer } from './Composer.tsx';
import { useDesk, useDeskState } from './hooks.ts';
import { MessageLog } from './MessageLog.tsx';

/** The middle pane: the open conversation, who is typing, and the composer. */
export function ConversationPane({
  onBack,
  detailsToggle,
}: {
  onBack: (() => void) | null;
  detailsToggle: { open: boolean; toggle: () => void } | null;
}) {
  const desk = useDesk();
  const channelId = useDeskState((state) => state.openChannelId);
  const channel = useDeskState((state) => (channelId ? state.channels[channelId] : undefined));
  const ticket = useDeskState((state) => (channelId ? Object.values(state.tickets).find((item) => item.channelId === channelId) : undefined));
  const failure = useDeskState((state) => (channelId ? state.conversations[channelId]?.failure : null));
  const error = useDeskState((state) => (channelId ? state.conversations[channelId]?.error : null));

  if (!channelId) {
    return (
      <main className="pane conversation conversation-empty" aria-label="Conversation">
        <div className="empty-state">
          <svg className="empty-illustration" viewBox="0 0 48 48" aria-hidden="true">
            <path d="M8 10h26a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H18l-8 7v-7H8a4 4 0 0 1-4-4V14a4 4 0 0 1 4-4z" fill="#e4e9fb" stroke="#3f5bd4" strokeWidth="2" strokeLinejoin="round" />
            <circle cx="14" cy="21" r="2" fill="#3f5bd4" />
            <circle cx="21" cy="21" r="2" fill="#3f5bd4" />
            <circle cx="28" cy="21" r="2" fill="#3f5bd4" />
          </svg>
          <h2>{desk.isStaff ? 'Pick a ticket from the queue' : 'How can we help?'}</h2>
          <p>{desk.isStaff ? 'The conversation opens here, with the ticket’s details beside it.' : 'Open one of your tickets, or start a new one.'}</p>
        </div>
      </main>
    );
  }

  // Out of reach, the conversation still takes messages: they wait in the outbox and it loads again.
  if (failure === 'not-found' || failure === 'refused') {
    return <ConversationUnavailable notFound={failure === 'not-found'} error={error ?? null} onBack={() => void desk.openChannel(null)} />;
  }

  const title = ticket ? ticket.subject : (channel?.name ?? 'Conversation');
  // Only a participant's message reopens a resolved case (staff replies leave it resolved).
  const status = channel?.status ?? (ticket ? CHANNEL_STATUS_OF_TICKET[ticket.status] : undefined);
  const reopensOnReply = !desk.isStaff && status === 'RESOLVED';
  return (
    <main className="pane conversation" aria-label="Conversation">
      <header className="conversation-header">
        {onBack && (
          <button type="button" className="button ghost small" onClick={onBack}>
            ← Queue
          </button>
        )}
        <div className="conversation-title">
          <h2>
            {ticket && <span className="ticket-number">#{ticket.number}</span>} {title}
          </h2>
          <div className="conversation-chips">
            {ticket ? (
              <>
                <StatusChip status={ticket.status} />
                <PriorityChip priority={ticket.priority} />
              </>
            ) : (
              channel && <span className="chip plain">{channel.type}</span>
            )}
            {channel && desk.viewer.role === 'SUPER_ADMIN' && <span className="chip tenant">Tenant {channel.tenantId}</span>}
          </div>
        </div>
        {detailsToggle && (
          <button type="button" className="button ghost small" aria-expanded={detailsToggle.open} onClick={detailsToggle.toggle}>
            Details
          </button>
        )}
      </header>
      <MessageLog key={channelId} channelId={channelId} />
      <TypingLine channelId={channelId} />
      <Composer
        key={`composer-${channelId}`}
        channelId={channelId}
        archived={status === 'ARCHIVED'}
        supportCase={ticket !== undefined || channel?.type === 'SUPPORT' || channel?.type === 'PLATFORM_SUPPORT'}
        reopensOnReply={reopensOnReply}
      />
    </main>
  );
}

/**
 * A conversation that is not there for this person (a stale or foreign link): said plainly, with
 * the way back, and no composer to write into what cannot take messages.
 */
function ConversationUnavailable({ notFound, error, onBack }: { notFound: boolean; error: string | null; onBack: () => void }) {
  return (
    <main className="pane conversation conversation-empty" aria-label="Conversation">
      <div className="empty-state" role="alert">
        <h2>{notFound ? 'Conversation not found' : 'This conversation cannot be opened'}</h2>
        <p>{notFound ? 'It does not exist, or your account cannot see it. Check the link, or pick a conversation from the list.' : error}</p>
        <button type="button" className="button primary empty-action" onClick={onBack}>
          Back to the list
        </button>
      </div>
    </main>
  );
}

/** `<name> is typing`, one line per person typing. */
function TypingLine({ channelId }: { channelId: string }) {
  const typists = useDeskState((state) => state.typing[channelId]);
  return (
    <div className="typing" aria-live="polite">
      {(typists ?? []).map((typist) => (
        <span key={typist.userId} className="typing-item">
          <span className="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          <span>{`${typist.name} is typing`}</span>
        </span>
      ))}
    </div>
  );
}

import { useEffect, useState } from 'react';
import { TicketCategory, TicketPriority, type Channel, type Ticket, type TicketWithHistory } from '@chat/contracts';
import { categoryLabel, dateTime, enumWords, initials, priorityLabel } from '../format.ts';
import { DueChip } from './Chips.tsx';
import { dueOf } from '../state/queue-filter.ts';
import { CHANNEL_STATUS_OF_TICKET, whyNot } from '../state/case-actions.ts';
import { useDesk, useDeskState, useNow } from './hooks.ts';
import { AssignDialog } from './dialogs/AssignDialog.tsx';
import { ArchiveDialog, EscalateDialog, ResolveDialog } from './dialogs/CaseDialogs.tsx';

type OpenDialog = 'assign' | 'escalate' | 'resolve' | 'archive' | null;

/** The right pane: the ticket and what staff can do with it, or the channel's members. */
export function DetailsPane({ drawer, onClose }: { drawer: boolean; onClose: (() => void) | null }) {
  const channelId = useDeskState((state) => state.openChannelId);
  const channel = useDeskState((state) => (channelId ? state.channels[channelId] : undefined));
  const ticket = useDeskState((state) => (channelId ? Object.values(state.tickets).find((item) => item.channelId === channelId) : undefined));
  const detail = useDeskState((state) => (ticket ? state.details[ticket.id] : undefined));
  const unavailable = useDeskState((state) => {
    const failure = channelId ? state.conversations[channelId]?.failure : null;
    return failure === 'not-found' || failure === 'refused';
  });

  // A drawer over the conversation closes with Escape, as a dialog would.
  useEffect(() => {
    if (!onClose) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !document.querySelector('dialog[open]')) onClose();
    };
    window.addEventListener('keydown', closeOnEscape);
    return () => window.removeEventListener('keydown', closeOnEscape);
  }, [onClose]);

  // Nothing to show beside a conversation that could not be had, nor before anything is known.
  if (!channelId || unavailable || (!ticket && !channel)) return null;

  return (
    <aside className={`pane details${drawer ? ' details-drawer' : ''}`} aria-label={ticket ? 'Ticket details' : 'Channel details'}>
      {onClose && (
        <div className="drawer-close">
          <button type="button" className="button ghost small" onClick={onClose}>
            Close details
          </button>
        </div>
      )}
      {ticket ? <TicketPanel ticket={ticket} channel={channel} detail={detail} /> : channel ? <ChannelInfo channel={channel} /> : null}
      {channel && <Participants channel={channel} />}
    </aside>
  );
}

function TicketPanel({ ticket, channel, detail }: { ticket: Ticket; channel: Channel | undefined; detail: TicketWithHistory | undefined }) {
  const desk = useDesk();
  const now = useNow();
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const staff = desk.isStaff;
  const { viewer } = desk;
  // The channel's own status decides what may happen; the ticket follows it a moment later.
  const status = channel?.status ?? CHANNEL_STATUS_OF_TICKET[ticket.status];
  const archived = status === 'ARCHIVED' || ticket.status === 'CLOSED';
  const escalated = status === 'ESCALATED';
  const notAssignable = whyNot('assign', status);
  const notEscalatable = whyNot('escalate', status);
  const notResolvable = whyNot('resolve', status);
  const notArchivable = whyNot('archive', status);
  const mayArchive = viewer.role === 'TENANT_ADMIN' || viewer.role === 'SUPER_ADMIN';
  const takesCase = viewer.role === 'SUPER_ADMIN' && escalated && (channel?.escalatedTo ?? ticket.escalatedTo) !== viewer.userId;

  return (
    <>
      <section className="panel-section" aria-labelledby="ticket-heading">
        <p className="eyebrow">Ticket #{ticket.number}</p>
        <h2 id="ticket-heading" className="panel-title">
          {ticket.subject}
        </h2>
        <dl className="facts">
          <div className="fact">
            <dt>Status</dt>
            <dd>
              <span role="status" aria-label="Ticket status" className={`chip status status-${ticket.status.toLowerCase()}`}>
                {ticket.status}
              </span>
            </dd>
          </div>
          <div className="fact">
            <dt>Priority</dt>
            <dd>
              {staff ? (
                <select
                  aria-label="Priority"
                  value={ticket.priority}
                  disabled={archived}
                  onChange={(event) => void desk.updateTicket(ticket.id, { priority: event.target.value as Ticket['priority'] })}
                >
                  {TicketPriority.options.map((priority) => (
                    <option key={priority} value={priority}>
                      {priorityLabel(priority)}
                    </option>
                  ))}
                </select>
              ) : (
                <span className={`chip priority priority-${ticket.priority.toLowerCase()}`}>{ticket.priority}</span>
              )}
            </dd>
          </div>
          <div className="fact">
            <dt>Category</dt>
            <dd>
              {staff ? (
                <select
                  aria-label="Category"
                  value={ticket.category}
                  disabled={archived}
                  onChange={(event) => void desk.updateTicket(ticket.id, { category: event.target.value as Ticket['category'] })}
                >
                  {TicketCategory.options.map((category) => (
                    <option key={category} value={category}>
                      {categoryLabel(category)}
                    </option>
                  ))}
                </select>
              ) : (
                categoryLabel(ticket.category)
              )}
            </dd>
          </div>
          <div className="fact">
            <dt>Assignee</dt>
            <dd>{ticket.assignedTo ? desk.nameOf(ticket.assignedTo, ticket.tenantId) : <span className="muted">Unassigned</span>}</dd>
          </div>
          {staff && (
            <div className="fact">
              <dt>Customer</dt>
              <dd>{desk.nameOf(ticket.createdBy, ticket.tenantId)}</dd>
            </div>
          )}
          {viewer.role === 'SUPER_ADMIN' && (
            <div className="fact">
              <dt>Tenant</dt>
              <dd>{ticket.tenantId}</dd>
            </div>
          )}
          <div className="fact">
            <dt>Opened</dt>
            <dd>{dateTime(ticket.createdAt)}</dd>
          </div>
          {ticket.firstResponseAt && (
            <div className="fact">
              <dt>First response</dt>
              <dd>{dateTime(ticket.firstResponseAt)}</dd>
            </div>
          )}
          {staff && dueOf(ticket) && (
            <div className="fact">
              <dt>SLA</dt>
              <dd>
                <DueChip ticket={ticket} now={now} />
                {!ticket.firstResponseAt && ticket.firstResponseDueAt && <span className="fact-note">First response by {dateTime(ticket.firstResponseDueAt)}</span>}
                {ticket.resolutionDueAt && ticket.status !== 'RESOLVED' && ticket.status !== 'CLOSED' && (
                  <span className="fact-note">Resolution by {dateTime(ticket.resolutionDueAt)}</span>
                )}
              </dd>
            </div>
          )}
          {ticket.escalatedTo && (
            <div className="fact">
              <dt>Escalated to</dt>
              <dd>{desk.nameOf(ticket.escalatedTo, ticket.tenantId)}</dd>
            </div>
          )}
          {ticket.resolution && (
            <div className="fact">
              <dt>Resolution</dt>
              <dd className="prose">{ticket.resolution}</dd>
            </div>
          )}
        </dl>
        {staff && (
          <div className="actions">
            <button type="button" className="button" onClick={() => setDialog('assign')} disabled={notAssignable !== null} title={notAssignable ?? undefined}>
              Assign
            </button>
            <button type="button" className="button warning" onClick={() => setDialog('escalate')} disabled={notEscalatable !== null} title={notEscalatable ?? undefined}>
              Escalate
            </button>
            <button type="button" className="button success" onClick={() => setDialog('resolve')} disabled={notResolvable !== null} title={notResolvable ?? undefined}>
              Resolve
            </button>
            {takesCase && (
              <button
                type="button"
                className="button primary"
                onClick={() => void desk.escalate(ticket.channelId, 'Taken by platform support', viewer.userId).catch(() => undefined)}
              >
                Take case
              </button>
            )}
            {mayArchive && (
              <button type="button" className="button ghost" onClick={() => setDialog('archive')} disabled={notArchivable !== null} title={notArchivable ?? undefined}>
                Archive
              </button>
            )}
          </div>
        )}
      </section>
      {detail && detail.history.length > 0 && (
        <section className="panel-section" aria-labelledby="history-heading">
          <h3 id="history-heading" className="section-title">
            History
          </h3>
          <ol className="history">
            {detail.history.map((entry, index) => (
              <li key={`${entry.at}-${index}`} className="history-entry">
                <span className="history-what">
                  {entry.from ? `${enumWords(entry.from)} → ${enumWords(entry.to)}` : `Opened as ${enumWords(entry.to)}`}
                </span>
                <span className="history-meta">
                  {entry.actor.role === 'SYSTEM' ? 'Automatically' : `by ${desk.nameOf(entry.actor.userId, ticket.tenantId)}`} · {dateTime(entry.at)}
                </span>
                {entry.reason && <span className="history-reason">{entry.reason}</span>}
              </li>
            ))}
          </ol>
        </section>
      )}
      {dialog === 'assign' && <AssignDialog channelId={ticket.channelId} tenantId={ticket.tenantId} onClose={() => setDialog(null)} />}
      {dialog === 'escalate' && <EscalateDialog channelId={ticket.channelId} onClose={() => setDialog(null)} />}
      {dialog === 'resolve' && <ResolveDialog channelId={ticket.channelId} onClose={() => setDialog(null)} />}
      {dialog === 'archive' && <ArchiveDialog channelId={ticket.channelId} onClose={() => setDialog(null)} />}
    </>
  );
}

function ChannelInfo({ channel }: { channel: Channel }) {
  return (
    <section className="panel-section" aria-labelledby="channel-heading">
      <p className="eyebrow">{enumWords(channel.type)} channel</p>
      <h2 id="channel-heading" className="panel-title">
        {channel.name ?? 'Untitled channel'}
      </h2>
      <dl className="facts">
        <div className="fact">
          <dt>Status</dt>
          <dd>
            <span className={`chip status status-${channel.status.toLowerCase()}`}>{channel.status}</span>
          </dd>
        </div>
        <div className="fact">
          <dt>Created</dt>
          <dd>{dateTime(channel.createdAt)}</dd>
        </div>
      </dl>
    </section>
  );
}

function Participants({ channel }: { channel: Channel }) {
  const desk = useDesk();
  const presence = useDeskState((state) => state.presence);
  // Names come from the directory: show them as soon as it arrives.
  useDeskState((state) => state.users);
  const participants = channel.participants ?? [];
  if (participants.length === 0) return null;
  return (
    <section className="panel-section" aria-labelledby="people-heading">
      <h3 id="people-heading" className="section-title">
        People <span className="count">{participants.length}</span>
      </h3>
      <ul className="people">
        {participants.map((participant) => {
          const name = desk.nameOf(participant.userId, channel.tenantId);
          const online = presence[participant.userId];
          return (
            <li key={participant.userId} className="person">
              <span className="avatar small" aria-hidden="true">
                {initials(name)}
              </span>
              <span className="person-name">{name}</span>
              {participant.role && <span className="person-role">{enumWords(participant.role)}</span>}
              {online !== undefined && <span className={`presence${online ? ' presence-online' : ''}`}>{online ? 'Online' : 'Away'}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { isTenantStaff, TicketCategory, TicketPriority, TicketStatus, type Channel, type Ticket } from '@chat/contracts';
import { categoryLabel, enumWords, messageTime, priorityLabel } from '../format.ts';
import { MAX_TICKETS_LOADED } from '../state/desk.ts';
import { EMPTY_FILTER, SERVER_SORT, matchesFilter, needsWholeQueue, sortTickets, type QueueFilter, type QueueSort } from '../state/queue-filter.ts';
import { DueChip, PriorityChip, StatusChip, UnreadBadge } from './Chips.tsx';
import { useDesk, useDeskState, useNow } from './hooks.ts';
import { NewTicketDialog } from './dialogs/NewTicketDialog.tsx';
import { NewChannelDialog } from './dialogs/NewChannelDialog.tsx';

/** The left pane: the ticket queue (staff) or the person's own tickets, and the other channels. */
export function QueuePane() {
  const desk = useDesk();
  const staff = desk.isStaff;
  const [filter, setFilter] = useState<QueueFilter>(EMPTY_FILTER);
  // Staff work the queue in the server's order (SLA due soonest), which needs no more than the
  // first page; a person's own few tickets read best newest first.
  const [sort, setSort] = useState<QueueSort>(staff ? SERVER_SORT : 'newest');
  const [newTicket, setNewTicket] = useState(false);
  const depth = needsWholeQueue(filter, sort) ? 'all' : 'page';

  useEffect(() => desk.showTickets(filter, depth), [desk, filter, depth]);

  const changeFilter = (change: Partial<QueueFilter>) => setFilter((current) => ({ ...current, ...change }));

  return (
    <nav className="pane queue" aria-label={staff ? 'Support queue' : 'Your conversations'}>
      <div className="pane-header">
        <h2 className="pane-title">{staff ? 'Queue' : 'Your tickets'}</h2>
        {!staff && (
          <button type="button" className="button primary small" onClick={() => setNewTicket(true)}>
            New ticket
          </button>
        )}
      </div>
      {staff && <QueueFilters filter={filter} sort={sort} onFilter={changeFilter} onSort={setSort} />}
      <div className="queue-scroll">
        <TicketList filter={filter} sort={sort} wholeQueue={depth === 'all'} />
        {staff && <SearchHits />}
        <ChannelSections />
      </div>
      {newTicket && <NewTicketDialog onClose={() => setNewTicket(false)} />}
    </nav>
  );
}

function QueueFilters({
  filter,
  sort,
  onFilter,
  onSort,
}: {
  filter: QueueFilter;
  sort: QueueSort;
  onFilter: (change: Partial<QueueFilter>) => void;
  onSort: (sort: QueueSort) => void;
}) {
  const desk = useDesk();
  const users = useDeskState((state) => state.users[desk.viewer.tenantId]);
  // Only tenant staff can be assigned a tenant's tickets: platform admins never are.
  const staffUsers = useMemo(() => Object.values(users ?? {}).filter((user) => isTenantStaff(user.role)), [users]);
  const searchHintId = useId();

  const searchMessages = (event: FormEvent) => {
    event.preventDefault();
    void desk.searchMessages(filter.search);
  };

  return (
    <div className="filters">
      <form role="search" className="search" onSubmit={searchMessages}>
        <input
          type="search"
          aria-label="Search tickets"
          aria-describedby={searchHintId}
          placeholder="Search tickets"
          value={filter.search}
          onChange={(event) => {
            onFilter({ search: event.target.value });
            if (event.target.value === '') desk.clearSearch();
          }}
        />
        {/* Said once there is something to search for, where a placeholder would be cut short. */}
        <p id={searchHintId} className={filter.search ? 'search-hint' : 'sr-only'}>
          Enter searches messages too
        </p>
      </form>
      <div className="filter-grid">
        <select aria-label="Filter by status" value={filter.status} onChange={(event) => onFilter({ status: event.target.value as QueueFilter['status'] })}>
          <option value="">Status</option>
          {TicketStatus.options.map((status) => (
            <option key={status} value={status}>
              {enumWords(status)}
            </option>
          ))}
        </select>
        <select aria-label="Filter by priority" value={filter.priority} onChange={(event) => onFilter({ priority: event.target.value as QueueFilter['priority'] })}>
          <option value="">Priority</option>
          {TicketPriority.options.map((priority) => (
            <option key={priority} value={priority}>
              {priorityLabel(priority)}
            </option>
          ))}
        </select>
        <select aria-label="Filter by category" value={filter.category} onChange={(event) => onFilter({ category: event.target.value as QueueFilter['category'] })}>
          <option value="">Category</option>
          {TicketCategory.options.map((category) => (
            <option key={category} value={category}>
              {categoryLabel(category)}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by assignee"
          value={filter.assignee}
          onChange={(event) => onFilter({ assignee: event.target.value })}
          // Staff come and go: the list is refreshed as it is opened (one small request).
          onFocus={() => void desk.loadUsers()}
        >
          <option value="">Assignee</option>
          <option value={desk.viewer.userId}>Assigned to me</option>
          <option value="unassigned">Unassigned</option>
          {staffUsers
            .filter((user) => user.userId !== desk.viewer.userId)
            .map((user) => (
              <option key={user.userId} value={user.userId}>
                {user.name ?? user.userId}
              </option>
            ))}
        </select>
      </div>
      <label className="sort">
        <span>Sort</span>
        <select value={sort} onChange={(event) => onSort(event.target.value as QueueSort)}>
          <option value="newest">Newest first</option>
          <option value="due">SLA due soonest</option>
          <option value="priority">Highest priority</option>
        </select>
      </label>
    </div>
  );
}

function TicketList({ filter, sort, wholeQueue }: { filter: QueueFilter; sort: QueueSort; wholeQueue: boolean }) {
  const desk = useDesk();
  const tickets = useDeskState((state) => state.tickets);
  const loaded = useDeskState((state) => state.ticketsLoaded);
  const loading = useDeskState((state) => state.ticketsLoading);
  const error = useDeskState((state) => state.ticketsError);
  const more = useDeskState((state) => state.ticketsCursor !== null);
  const capped = useDeskState((state) => state.ticketsCapped);
  const names = useDeskState((state) => state.names);
  const users = useDeskState((state) => state.users);
  const shown = useMemo(
    () => sortTickets(Object.values(tickets).filter((ticket) => matchesFilter(ticket, filter, (userId) => desk.nameOf(userId, ticket.tenantId))), sort),
    // `names` and `users` are what `nameOf` reads: a name learnt later can make a ticket match.
    [tickets, filter, sort, names, users, desk],
  );
  const now = useNow();

  return (
    <section className="section" aria-labelledby="tickets-heading">
      <h3 id="tickets-heading" className="section-title">
        Tickets <TicketCount loaded={loaded} shown={shown.length} more={more} />
      </h3>
      {error && <LoadFailed what="Tickets" error={error} onRetry={() => void desk.reloadTickets()} />}
      {!loaded && !error && (
        <p className="empty" role="status">
          Loading tickets…
        </p>
      )}
      {loaded && wholeQueue && more && !capped && !error && (
        <p className="queue-note" role="status">
          Loading the rest of the queue to sort and filter all of it…
        </p>
      )}
      {wholeQueue && capped && (
        <p className="queue-note" role="status">
          Sorted and filtered among the first {MAX_TICKETS_LOADED.toLocaleString()} tickets only. Narrow the filters, or load more.
        </p>
      )}
      <ul role="list" aria-label="Tickets" className="rows" aria-busy={loading}>
        {shown.map((ticket) => (
          <TicketRow key={ticket.id} ticket={ticket} now={now} />
        ))}
      </ul>
      {loaded && shown.length === 0 && !loading && !error && (
        <p className="empty">{desk.isStaff ? 'No tickets match. New ones appear here as they come in.' : 'You have no tickets yet.'}</p>
      )}
      {more && (!wholeQueue || capped || error) && (
        <button type="button" className="button ghost wide" onClick={() => void desk.loadMoreTickets()} disabled={loading}>
          Load more tickets
        </button>
      )}
    </section>
  );
}

/** How many tickets are shown: none until the first page is in, and "100+" while the server has more. */
function TicketCount({ loaded, shown, more }: { loaded: boolean; shown: number; more: boolean }) {
  if (!loaded) return null;
  if (!more) return <span className="count">{shown}</span>;
  return (
    <span className="count" title="More tickets than these exist: load more to see them">
      {shown}+
    </span>
  );
}

function TicketRow({ ticket, now }: { ticket: Ticket; now: number }) {
  const desk = useDesk();
  const open = useDeskState((state) => state.openChannelId === ticket.channelId);
  const unread = useDeskState((state) => state.unread[ticket.channelId] ?? 0);
  const assignee = ticket.assignedTo ? desk.nameOf(ticket.assignedTo, ticket.tenantId) : null;
  const crossTenant = desk.viewer.role === 'SUPER_ADMIN';

  return (
    <li className="row-item">
      <button type="button" className={`row ticket-row${open ? ' row-open' : ''}${unread > 0 ? ' row-unread' : ''}`} aria-current={open ? 'true' : undefined} onClick={() => void desk.openChannel(ticket.channelId)}>
        <span className="row-line">
          <span className="ticket-number">#{ticket.number}</span>
          <span className="row-subject">{ticket.subject}</span>
          <UnreadBadge count={unread} />
        </span>
        <span className="row-chips">
          <StatusChip status={ticket.status} />
          <PriorityChip priority={ticket.priority} />
          <span className="chip plain">{categoryLabel(ticket.category)}</span>
          {crossTenant && <span className="chip tenant">Tenant {ticket.tenantId}</span>}
        </span>
        <span className="row-meta">
          <span className="row-assignee">{assignee ? `Assigned to ${assignee}` : desk.isStaff ? 'Unassigned' : 'Waiting for support'}</span>
          {desk.isStaff && <DueChip ticket={ticket} now={now} />}
        </span>
      </button>
    </li>
  );
}

function SearchHits() {
  const desk = useDesk();
  const hits = useDeskState((state) => state.searchHits);
  if (hits === null) return null;
  return (
    <section className="section" aria-labelledby="hits-heading">
      <h3 id="hits-heading" className="section-title">
        Messages found <span className="count">{hits.length}</span>
        <button type="button" className="link section-action" onClick={() => desk.clearSearch()}>
          Clear
        </button>
      </h3>
      <ul role="list" aria-label="Messages found" className="rows">
        {hits.map((hit) => (
          <li key={hit.id} className="row-item">
            <button type="button" className="row" onClick={() => void desk.openChannel(hit.channelId)}>
              <span className="row-line">
                <span className="row-subject">{desk.ticketOfChannel(hit.channelId)?.subject ?? 'Conversation'}</span>
                <span className="row-time">{messageTime(hit.createdAt)}</span>
              </span>
              <span className="row-preview">{hit.content}</span>
            </button>
          </li>
        ))}
      </ul>
      {hits.length === 0 && <p className="empty">No messages match.</p>}
    </section>
  );
}

const SECTIONS: { type: Channel['type']; title: string; one: string; staffOnly: boolean }[] = [
  { type: 'TEAM', title: 'Team channels', one: 'team channel', staffOnly: true },
  { type: 'TOURNAMENT', title: 'Tournaments', one: 'tournament channel', staffOnly: false },
];

/** Channels that are not support cases: team rooms for staff, tournament channels for everyone in them. */
function ChannelSections() {
  const desk = useDesk();
  const channels = useDeskState((state) => state.channels);
  const loaded = useDeskState((state) => state.channelsLoaded);
  const error = useDeskState((state) => state.channelsError);
  const [creating, setCreating] = useState<Channel['type'] | null>(null);
  const tenantStaff = isTenantStaff(desk.viewer.role);

  return (
    <>
      {error && <LoadFailed what="Channels" error={error} onRetry={() => void desk.loadChannels()} className="channels-error" />}
      {SECTIONS.filter((section) => !section.staffOnly || desk.isStaff).map((section) => {
        const list = Object.values(channels)
          .filter((channel) => channel.type === section.type && channel.status !== 'ARCHIVED')
          .sort((a, b) => (b.lastMessage?.createdAt ?? b.updatedAt).localeCompare(a.lastMessage?.createdAt ?? a.updatedAt));
        if (list.length === 0 && !tenantStaff) return null;
        const headingId = `section-${section.type.toLowerCase()}`;
        return (
          <section key={section.type} className="section" aria-labelledby={headingId}>
            <h3 id={headingId} className="section-title">
              {section.title} {loaded && <span className="count">{list.length}</span>}
              {tenantStaff && (
                <button type="button" className="link section-action" onClick={() => setCreating(section.type)}>
                  New
                  <span className="sr-only"> {section.one}</span>
                </button>
              )}
            </h3>
            <ul role="list" aria-label={section.title} className="rows">
              {list.map((channel) => (
                <ChannelRow key={channel.id} channel={channel} />
              ))}
            </ul>
          </section>
        );
      })}
      {creating && <NewChannelDialog type={creating} onClose={() => setCreating(null)} />}
    </>
  );
}

function ChannelRow({ channel }: { channel: Channel }) {
  const desk = useDesk();
  const open = useDeskState((state) => state.openChannelId === channel.id);
  const unread = useDeskState((state) => state.unread[channel.id] ?? 0);
  const last = channel.lastMessage;
  return (
    <li className="row-item">
      <button type="button" className={`row${open ? ' row-open' : ''}${unread > 0 ? ' row-unread' : ''}`} aria-current={open ? 'true' : undefined} onClick={() => void desk.openChannel(channel.id)}>
        <span className="row-line">
          <span className="channel-hash" aria-hidden="true">
            #
          </span>
          <span className="row-subject">{channel.name ?? 'Untitled channel'}</span>
          <UnreadBadge count={unread} />
        </span>
        {last && (
          <span className="row-preview">
            {last.deletedAt ? 'Message deleted' : `${desk.nameOf(last.senderId, channel.tenantId)}: ${last.content}`}
          </span>
        )}
      </button>
    </li>
  );
}

/** A list that could not be loaded, why, and a way to try again. */
function LoadFailed({ what, error, onRetry, className = '' }: { what: string; error: string; onRetry: () => void; className?: string }) {
  return (
    <p className={`inline-error ${className}`.trim()} role="alert">
      {what} could not be loaded: {error}{' '}
      <button type="button" className="link" onClick={onRetry}>
        Try again
      </button>
    </p>
  );
}

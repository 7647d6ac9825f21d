import { useEffect, useState } from 'react';
import type { Session } from '../session.ts';
import { connect } from '../system.ts';
import { Desk } from '../state/desk.ts';
import { EMPTY_FILTER } from '../state/queue-filter.ts';
import { DeskContext, useDesk, useDeskState, useMedia } from './hooks.ts';
import { TopBar } from './TopBar.tsx';
import { ConnectionBanner, EscalationAlerts, NoticeToast } from './Banners.tsx';
import { QueuePane } from './QueuePane.tsx';
import { ConversationPane } from './ConversationPane.tsx';
import { DetailsPane } from './DetailsPane.tsx';

const OPEN_CHANNEL_PARAM = 'channel';

/** Opens the system for this session and lays out the three panes. */
export function Workspace({ session, onSignOut }: { session: Session; onSignOut: (reason: string | null) => void }) {
  const [desk, setDesk] = useState<Desk | null>(null);

  useEffect(() => {
    const system = connect(session.token);
    const created = new Desk(session.viewer, system, EMPTY_FILTER);
    const stopWatching = system.onUnauthorized(() => onSignOut('Your session has ended. Sign in again to continue.'));
    created.start();
    setDesk(created);
    const expiresIn = session.viewer.expiresAt * 1000 - Date.now();
    const expiry = setTimeout(() => onSignOut('Your session has expired. Sign in again to continue.'), Math.min(expiresIn, 2 ** 31 - 1));
    return () => {
      clearTimeout(expiry);
      stopWatching();
      created.stop();
      system.close();
    };
  }, [session, onSignOut]);

  if (!desk) return <div className="loading-screen">Connecting…</div>;
  return (
    <DeskContext.Provider value={desk}>
      <Layout onSignOut={() => onSignOut(null)} />
    </DeskContext.Provider>
  );
}

function Layout({ onSignOut }: { onSignOut: () => void }) {
  const desk = useDesk();
  const openChannelId = useDeskState((state) => state.openChannelId);
  const narrow = useMedia('(max-width: 760px)');
  const compact = useMedia('(max-width: 1180px)');
  const [detailsOpen, setDetailsOpen] = useState(false);

  // The open conversation lives in the address, so a reload or a shared link comes back to it.
  useEffect(() => {
    const wanted = new URLSearchParams(window.location.search).get(OPEN_CHANNEL_PARAM);
    if (wanted) void desk.openChannel(wanted);
  }, [desk]);
  useEffect(() => {
    const url = new URL(window.location.href);
    if (openChannelId) url.searchParams.set(OPEN_CHANNEL_PARAM, openChannelId);
    else url.searchParams.delete(OPEN_CHANNEL_PARAM);
    window.history.replaceState(null, '', url);
  }, [openChannelId]);

  const unread = useDeskState((state) => Object.values(state.unread).reduce((sum, count) => sum + count, 0));
  useEffect(() => {
    const product = desk.isStaff ? 'Support console' : 'Help & chat';
    document.title = unread > 0 ? `(${unread}) ${product}` : product;
  }, [unread, desk]);

  const showQueue = !narrow || openChannelId === null;
  const showConversation = !narrow || openChannelId !== null;
  const detailsAsDrawer = compact;

  return (
    <div className="app">
      <TopBar onSignOut={onSignOut} />
      <ConnectionBanner />
      <EscalationAlerts />
      <div className={`panes${detailsAsDrawer ? ' panes-compact' : ''}${narrow ? ' panes-narrow' : ''}`}>
        {showQueue && <QueuePane />}
        {showConversation && (
          <ConversationPane
            onBack={narrow ? () => void desk.openChannel(null) : null}
            detailsToggle={detailsAsDrawer ? { open: detailsOpen, toggle: () => setDetailsOpen((open) => !open) } : null}
          />
        )}
        {openChannelId && (!detailsAsDrawer || detailsOpen) && (
          <DetailsPane drawer={detailsAsDrawer} onClose={detailsAsDrawer ? () => setDetailsOpen(false) : null} />
        )}
      </div>
      <NoticeToast />
    </div>
  );
}

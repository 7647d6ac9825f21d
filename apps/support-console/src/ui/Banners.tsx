import { useEffect } from 'react';
import { clockTime } from '../format.ts';
import { useDesk, useDeskState } from './hooks.ts';

/** Says plainly when the console is cut off, and that nothing typed is lost meanwhile. */
export function ConnectionBanner() {
  const connection = useDeskState((state) => state.connection);
  const waiting = useDeskState((state) => state.outbox.filter((item) => item.state !== 'failed').length);
  return (
    <div role="status" aria-label="Connection" className={connection === 'offline' ? 'offline-banner' : 'sr-only'}>
      {connection === 'offline' &&
        `You are offline. Reconnecting… ${waiting > 0 ? `${waiting} message${waiting === 1 ? '' : 's'} will be sent when the connection is back.` : 'Anything you write is kept and sent when the connection is back.'}`}
    </div>
  );
}

/** At most this many alerts stand at once; the rest wait their turn, counted, so the desk stays usable. */
const ALERTS_SHOWN = 3;

/** Platform staff: every tenant's escalations as they happen, with the case they are about. */
export function EscalationAlerts() {
  const desk = useDesk();
  const alerts = useDeskState((state) => state.alerts);
  // The ticket's number and subject show as soon as its event arrives, often just after the alert.
  useDeskState((state) => state.tickets);
  if (alerts.length === 0) return null;
  const waiting = alerts.length - ALERTS_SHOWN;
  return (
    <div className="alerts">
      {alerts.slice(0, ALERTS_SHOWN).map((alert) => {
        const ticket = desk.ticketOfChannel(alert.channelId);
        return (
          <div key={alert.id} role="alert" className="alert">
            <span className="alert-icon" aria-hidden="true">
              ▲
            </span>
            <span className="alert-text">
              <strong>Escalation from tenant {alert.tenantId}</strong>
              {ticket && <span className="alert-case">{`#${ticket.number} ${ticket.subject}`}</span>}
              <span className="alert-reason" title={alert.reason}>
                {alert.reason}
              </span>
              <span className="alert-time">{clockTime(alert.at)}</span>
            </span>
            <button
              type="button"
              className="button small primary"
              onClick={() => {
                void desk.openChannel(alert.channelId);
                desk.dismissAlert(alert.id);
              }}
            >
              Open case
            </button>
            <button type="button" className="button small ghost" onClick={() => desk.dismissAlert(alert.id)} aria-label={`Dismiss the escalation from tenant ${alert.tenantId}`}>
              Dismiss
            </button>
          </div>
        );
      })}
      {waiting > 0 && (
        <p className="alerts-waiting" role="status">
          {waiting} more escalation{waiting === 1 ? '' : 's'} waiting
        </p>
      )}
    </div>
  );
}

export function NoticeToast() {
  const desk = useDesk();
  const notice = useDeskState((state) => state.notice);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => desk.dismissNotice(), 8_000);
    return () => clearTimeout(timer);
  }, [notice, desk]);
  if (!notice) return null;
  return (
    <div className={`toast toast-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" className="button small ghost" onClick={() => desk.dismissNotice()}>
        Dismiss
      </button>
    </div>
  );
}

import { useState } from 'react';
import { displayName } from '../session.ts';
import { enumWords, initials } from '../format.ts';
import { useDesk, useDeskState } from './hooks.ts';
import { CannedResponsesDialog } from './dialogs/CannedResponsesDialog.tsx';

const CONNECTION_TEXT = { online: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

export function TopBar({ onSignOut }: { onSignOut: () => void }) {
  const desk = useDesk();
  const connection = useDeskState((state) => state.connection);
  const [cannedOpen, setCannedOpen] = useState(false);
  const { viewer } = desk;
  const name = displayName(viewer);

  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          S
        </span>
        <span className="brand-name">{desk.isStaff ? 'Support console' : 'Help & chat'}</span>
      </div>
      <div className="topbar-right">
        <span className={`connection connection-${connection}`} title={`Connection to the support system: ${CONNECTION_TEXT[connection]}`}>
          <span className="connection-dot" aria-hidden="true" />
          {/* On narrow screens only the dot shows; the word stays for screen readers. */}
          <span className="connection-text">{CONNECTION_TEXT[connection]}</span>
        </span>
        {desk.isStaff && (
          <button type="button" className="button ghost small" onClick={() => setCannedOpen(true)}>
            Canned responses
          </button>
        )}
        <span className="me" title={`${name} · ${enumWords(viewer.role)}`}>
          <span className="avatar small" aria-hidden="true">
            {initials(name)}
          </span>
          <span className="me-text">
            <span className="me-name">{name}</span>
            <span className="me-role">
              {enumWords(viewer.role)}
              {viewer.role !== 'SUPER_ADMIN' && ` · ${viewer.tenantId}`}
            </span>
          </span>
        </span>
        <button type="button" className="button ghost small" onClick={onSignOut}>
          Sign out
        </button>
      </div>
      {cannedOpen && <CannedResponsesDialog onClose={() => setCannedOpen(false)} />}
    </header>
  );
}

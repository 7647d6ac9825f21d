import { useState } from 'react';
import { Dialog, requireText } from '../Dialog.tsx';
import { useDesk } from '../hooks.ts';

export function EscalateDialog({ channelId, onClose }: { channelId: string; onClose: () => void }) {
  const desk = useDesk();
  const [reason, setReason] = useState('');
  return (
    <Dialog
      title="Escalate to platform support"
      description="Platform support is alerted at once and joins the conversation. Say what you need from them; everyone in the conversation, the customer too, sees the reason."
      confirmLabel="Escalate"
      confirmTone="warning"
      onClose={onClose}
      onSubmit={() => desk.escalate(channelId, requireText(reason, 'Say why the case needs platform support.'))}
    >
      <label className="field">
        <span>Reason</span>
        <textarea value={reason} onChange={(event) => setReason(event.target.value)} required maxLength={2_000} rows={4} autoFocus />
      </label>
    </Dialog>
  );
}

export function ResolveDialog({ channelId, onClose }: { channelId: string; onClose: () => void }) {
  const desk = useDesk();
  const [resolution, setResolution] = useState('');
  return (
    <Dialog
      title="Resolve the ticket"
      description="The customer can still reply; a reply reopens the ticket."
      confirmLabel="Resolve"
      confirmTone="success"
      onClose={onClose}
      onSubmit={() => desk.resolve(channelId, resolution.trim())}
    >
      <label className="field">
        <span>Resolution</span>
        <textarea value={resolution} onChange={(event) => setResolution(event.target.value)} maxLength={5_000} rows={4} autoFocus placeholder="What fixed it (optional)" />
      </label>
    </Dialog>
  );
}

export function ArchiveDialog({ channelId, onClose }: { channelId: string; onClose: () => void }) {
  const desk = useDesk();
  return (
    <Dialog
      title="Archive the conversation"
      description="The conversation becomes read-only and the ticket is closed. Nothing is deleted."
      confirmLabel="Archive"
      confirmTone="danger"
      onClose={onClose}
      onSubmit={() => desk.archive(channelId)}
    />
  );
}

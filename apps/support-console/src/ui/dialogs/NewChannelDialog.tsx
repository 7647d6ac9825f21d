import { useEffect, useMemo, useState } from 'react';
import { admissionProblem, type ChannelType, type Role } from '@chat/contracts';
import { enumWords } from '../../format.ts';
import { Dialog, requireText } from '../Dialog.tsx';
import { useDesk, useDeskState } from '../hooks.ts';

/** Whether someone of this role may be a member of a new channel of this type (the contract's admission rule). */
const mayJoinNew = (role: Role, type: ChannelType): boolean => admissionProblem({ type, status: 'ACTIVE' }, role) === null;

/** A team or tournament channel, with its first members picked from the users seen. */
export function NewChannelDialog({ type, onClose }: { type: ChannelType; onClose: () => void }) {
  const desk = useDesk();
  const users = useDeskState((state) => state.users[desk.viewer.tenantId]);
  const [name, setName] = useState('');
  const [members, setMembers] = useState<ReadonlySet<string>>(() => new Set());
  const candidates = useMemo(
    () =>
      Object.values(users ?? {})
        .filter((user) => user.userId !== desk.viewer.userId && mayJoinNew(user.role, type))
        .sort((a, b) => (a.name ?? a.userId).localeCompare(b.name ?? b.userId)),
    [users, desk, type],
  );

  useEffect(() => {
    void desk.loadUsers();
  }, [desk]);

  const toggle = (userId: string) => {
    const next = new Set(members);
    if (next.has(userId)) next.delete(userId);
    else next.add(userId);
    setMembers(next);
  };

  return (
    <Dialog
      title={`New ${enumWords(type).toLowerCase()} channel`}
      confirmLabel="Create"
      onClose={onClose}
      onSubmit={async () => {
        const channel = await desk.createChannel(type, requireText(name, 'Give the channel a name.'), [...members]);
        void desk.openChannel(channel.id);
      }}
    >
      <label className="field">
        <span>Channel name</span>
        <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} autoFocus />
      </label>
      <fieldset className="field members">
        <legend>Members</legend>
        {candidates.length === 0 && <p className="muted">Nobody else has been seen yet. You can add people later.</p>}
        {candidates.map((user) => (
          <label key={user.userId} className="check">
            <input type="checkbox" checked={members.has(user.userId)} onChange={() => toggle(user.userId)} />
            <span>{user.name ?? user.userId}</span>
            <span className="muted">{enumWords(user.role)}</span>
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}

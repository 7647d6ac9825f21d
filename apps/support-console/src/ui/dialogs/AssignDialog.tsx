import { useEffect, useMemo, useState } from 'react';
import { Dialog } from '../Dialog.tsx';
import { useDesk, useDeskState } from '../hooks.ts';

/** Picks a staff member of the ticket's tenant from the users the system has seen. */
export function AssignDialog({ channelId, tenantId, onClose }: { channelId: string; tenantId: string; onClose: () => void }) {
  const desk = useDesk();
  const users = useDeskState((state) => state.users[tenantId]);
  const current = useDeskState((state) => state.channels[channelId]?.assignedTo ?? null);
  const staff = useMemo(
    () =>
      Object.values(users ?? {})
        .filter((user) => user.role === 'TENANT_ADMIN' || user.role === 'MANAGEMENT_TEAM')
        .sort((a, b) => (a.name ?? a.userId).localeCompare(b.name ?? b.userId)),
    [users],
  );
  const selfAssignable = desk.viewer.tenantId === tenantId && desk.viewer.role !== 'SUPER_ADMIN';
  const [assignee, setAssignee] = useState(selfAssignable ? desk.viewer.userId : '');

  useEffect(() => {
    void desk.loadUsers(desk.viewer.role === 'SUPER_ADMIN' ? channelId : undefined);
  }, [desk, channelId]);

  useEffect(() => {
    if (assignee === '' && staff[0]) setAssignee(staff[0].userId);
  }, [assignee, staff]);

  const options = selfAssignable && !staff.some((user) => user.userId === desk.viewer.userId)
    ? [{ userId: desk.viewer.userId, name: desk.viewer.name, role: desk.viewer.role }, ...staff]
    : staff;

  return (
    <Dialog
      title="Assign the ticket"
      description={current ? `Now assigned to ${desk.nameOf(current, tenantId)}.` : 'Nobody works on this ticket yet.'}
      confirmLabel="Assign"
      onClose={onClose}
      onSubmit={async () => {
        if (!assignee) throw new Error('Pick a staff member.');
        await desk.assign(channelId, assignee);
      }}
    >
      <label className="field">
        <span>Staff member</span>
        <select value={assignee} onChange={(event) => setAssignee(event.target.value)} required autoFocus>
          {options.length === 0 && <option value="">No staff seen yet</option>}
          {options.map((user) => (
            <option key={user.userId} value={user.userId}>
              {user.userId === desk.viewer.userId ? `${user.name ?? user.userId} (me)` : (user.name ?? user.userId)}
            </option>
          ))}
        </select>
      </label>
    </Dialog>
  );
}

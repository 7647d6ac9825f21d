import { useState } from 'react';
import { TicketCategory, TicketPriority, type TicketCategory as Category, type TicketPriority as Priority } from '@chat/contracts';
import { categoryLabel, priorityLabel } from '../../format.ts';
import { Dialog, requireText } from '../Dialog.tsx';
import { useDesk } from '../hooks.ts';

export function NewTicketDialog({ onClose }: { onClose: () => void }) {
  const desk = useDesk();
  const [subject, setSubject] = useState('');
  const [category, setCategory] = useState<Category>('TECHNICAL');
  const [priority, setPriority] = useState<Priority>('MEDIUM');
  const [message, setMessage] = useState('');

  return (
    <Dialog
      title="New ticket"
      description="Tell us what happened. Our support team replies here."
      confirmLabel="Create"
      onClose={onClose}
      onSubmit={async () => {
        const channel = await desk.openTicket({
          subject: requireText(subject, 'Give the ticket a subject.'),
          category,
          priority,
          message: requireText(message, 'Tell us what happened.'),
        });
        void desk.openChannel(channel.id);
      }}
    >
      <label className="field">
        <span>Subject</span>
        <input value={subject} onChange={(event) => setSubject(event.target.value)} required maxLength={300} autoFocus />
      </label>
      <div className="field-row">
        <label className="field">
          <span>Category</span>
          <select value={category} onChange={(event) => setCategory(event.target.value as Category)}>
            {TicketCategory.options.map((option) => (
              <option key={option} value={option}>
                {categoryLabel(option)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Priority</span>
          <select value={priority} onChange={(event) => setPriority(event.target.value as Priority)}>
            {TicketPriority.options.map((option) => (
              <option key={option} value={option}>
                {priorityLabel(option)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="field">
        <span>Message</span>
        <textarea value={message} onChange={(event) => setMessage(event.target.value)} required maxLength={10_000} rows={5} />
      </label>
    </Dialog>
  );
}

import type { TicketCategory, TicketPriority } from '@chat/contracts';

const CATEGORY_LABELS: Record<TicketCategory, string> = {
  TECHNICAL: 'Technical',
  BILLING: 'Billing',
  ACCOUNT: 'Account',
  TOURNAMENT_ISSUE: 'Tournament issue',
  FEATURE_REQUEST: 'Feature request',
  OTHER: 'Other',
};

const PRIORITY_LABELS: Record<TicketPriority, string> = { LOW: 'Low', MEDIUM: 'Medium', HIGH: 'High', URGENT: 'Urgent' };

export const categoryLabel = (category: TicketCategory): string => CATEGORY_LABELS[category];
export const priorityLabel = (priority: TicketPriority): string => PRIORITY_LABELS[priority];

/** `ESCALATED` → `Escalated`, for prose; chips keep the enum value itself. */
export function enumWords(value: string): string {
  const words = value.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function clockTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

export function dateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

/** A message time: the clock for today, the date as well for older ones. */
export function messageTime(iso: string, now: number = Date.now()): string {
  const date = new Date(iso);
  return new Date(now).toDateString() === date.toDateString() ? clockTime(iso) : dateTime(iso);
}

/** A duration in the largest sensible unit: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function duration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}

export function ago(iso: string, now: number = Date.now()): string {
  const ms = now - new Date(iso).getTime();
  return ms < 45_000 ? 'just now' : `${duration(ms)} ago`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length >= 2 ? `${parts[0]![0]}${parts[1]![0]}` : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

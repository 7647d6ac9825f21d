/**
 * Why the domain declines a request, in its own words; the HTTP layer turns each kind into the
 * status API.md gives it. Declining is never a crash: these carry no cause worth logging.
 */
export type RefusalKind = 'not-found' | 'forbidden' | 'conflict' | 'unavailable';

export class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly kind: RefusalKind;
  readonly code: string;

  constructor(kind: RefusalKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
  }
}

/** Unknown, another tenant's, or not visible to the caller: all look the same. */
export const channelNotFound = () => new Refusal('not-found', 'NOT_FOUND', 'Channel not found');
export const messageNotFound = () => new Refusal('not-found', 'NOT_FOUND', 'Message not found');
export const channelArchived = () => new Refusal('conflict', 'CHANNEL_ARCHIVED', 'The channel is archived and read-only');
export const messageDeleted = () => new Refusal('conflict', 'MESSAGE_DELETED', 'The message was deleted');

import { Refusal } from '@chat/contracts';

/** The one answer for a channel that does not exist, is another tenant's, or may not be seen. */
export function channelNotFound(): Refusal {
  return new Refusal('not-found', 'CHANNEL_NOT_FOUND', 'Channel not found');
}

export function forbidden(message: string, code = 'FORBIDDEN'): Refusal {
  return new Refusal('forbidden', code, message);
}

/** Bad input that passed the schema but breaks a rule; `field` goes into `details`. */
export function invalid(code: string, message: string, field: string): Refusal {
  return new Refusal('invalid', code, message, { details: [{ field, message }] });
}

import { Refusal } from '@chat/contracts';

/** Unknown, another tenant's, or not visible to the caller: all look the same. */
export const channelNotFound = () => new Refusal('not-found', 'NOT_FOUND', 'Channel not found');
export const messageNotFound = () => new Refusal('not-found', 'NOT_FOUND', 'Message not found');
export const channelArchived = () => new Refusal('conflict', 'CHANNEL_ARCHIVED', 'The channel is archived and read-only');
export const messageDeleted = () => new Refusal('conflict', 'MESSAGE_DELETED', 'The message was deleted');

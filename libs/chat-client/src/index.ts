export { ChatClient, type ChatClientOptions, type ChatSocket, type ErrorHandler, type JoinOptions, type MessageHandler } from './client.ts';
export { ChatError } from './errors.ts';
export { ChannelFeed, type FeedOptions, type FeedSource } from './feed.ts';
export {
  ChatRestClient,
  type ListChannelsParams,
  type ListMessagesParams,
  type ListTicketsParams,
  type ListUsersParams,
  type RestClientOptions,
  type SearchParams,
  type TokenSource,
} from './rest.ts';

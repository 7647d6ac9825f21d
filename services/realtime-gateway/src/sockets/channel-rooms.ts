import { canSeeNotes, type ChannelSnapshot } from '@chat/contracts';
import { ownRooms, rooms } from '../domain/rooms.ts';
import type { ChannelAccess } from './channel-access.ts';
import type { ChatNamespace, ChatSocket } from './types.ts';

/**
 * Channel rooms of the sockets on this replica: joining (with the staff sub-room for those who may
 * read notes), leaving, and re-judging everyone in a room when the channel changes, so that a
 * removed participant stops hearing the channel on every replica.
 */
export class ChannelRooms {
  readonly #nsp: ChatNamespace;
  readonly #access: ChannelAccess;
  readonly #replicated: boolean;

  /** `replicated`: other replicas share the adapter (Redis) and must hear of channel changes. */
  constructor(nsp: ChatNamespace, access: ChannelAccess, { replicated }: { replicated: boolean }) {
    this.#nsp = nsp;
    this.#access = access;
    this.#replicated = replicated;
    nsp.on('channel_changed', (channel) => this.#rejudge(channel));
  }

  join(socket: ChatSocket, channel: ChannelSnapshot): void {
    const { principal } = socket.data;
    const joining = [rooms.channel(channel.tenantId, channel.id)];
    if (canSeeNotes(principal, channel)) joining.push(rooms.channelStaff(channel.tenantId, channel.id));
    socket.join(joining);
    socket.data.joined.set(channel.id, channel.tenantId);
  }

  leave(socket: ChatSocket, channelId: string): void {
    const tenantId = socket.data.joined.get(channelId);
    if (tenantId === undefined) return;
    if (socket.data.typing.typingIn().includes(channelId)) {
      socket
        .to(rooms.channel(tenantId, channelId))
        .except(ownRooms(socket.data.principal))
        .emit('user_typing', { channelId, userId: socket.data.principal.userId, userName: displayName(socket), isTyping: false });
    }
    socket.data.typing.forget(channelId);
    socket.leave(rooms.channel(tenantId, channelId));
    socket.leave(rooms.channelStaff(tenantId, channelId));
    socket.data.joined.delete(channelId);
  }

  /** A channel event: re-judge the sockets here, and have every other replica do the same. */
  changed(channel: ChannelSnapshot): void {
    this.#rejudge(channel);
    // The in-memory adapter of a lone replica has no one to tell, and says so on every call.
    if (this.#replicated) this.#nsp.serverSideEmit('channel_changed', channel);
  }

  #rejudge(channel: ChannelSnapshot): void {
    if (!this.#access.observe(channel)) return;
    const members = this.#nsp.adapter.rooms.get(rooms.channel(channel.tenantId, channel.id));
    for (const socketId of [...(members ?? [])]) {
      const socket = this.#nsp.sockets.get(socketId);
      if (!socket) continue;
      const { principal } = socket.data;
      if (!this.#access.judge(principal, channel)) this.leave(socket, channel.id);
      else if (!canSeeNotes(principal, channel)) socket.leave(rooms.channelStaff(channel.tenantId, channel.id));
    }
  }
}

/** The typist as others see it: the token's display name, else the user id. */
export function displayName(socket: ChatSocket): string {
  return socket.data.principal.name ?? socket.data.principal.userId;
}

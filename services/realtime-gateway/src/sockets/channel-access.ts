import { canSeeChannel, ChannelSnapshot, ErrorBody, type Principal } from '@chat/contracts';
import { PeerUnavailableError, type PeerClient } from '../peers/client.ts';
import { SocketRefusal } from './refusal.ts';

export interface ChannelAccessOptions {
  /** How long a "yes, this user may see it" is trusted without asking again. */
  ttlMs?: number;
  /** Answers kept at most; the oldest go first. */
  maxEntries?: number;
}

/**
 * Who may join a channel's room: the channels service decides (its internal route answers the
 * snapshot when the caller, by the caller's own token, may see the channel, else 404). Positive
 * answers are kept for a few seconds and dropped whenever an event says the channel changed;
 * refusals are never kept, so someone just added is let in at once.
 */
export class ChannelAccess {
  readonly #peers: PeerClient;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** channel id → caller → answer. */
  readonly #answers = new Map<string, Map<string, { channel: ChannelSnapshot; expiresAt: number }>>();
  #entries = 0;
  /** The newest snapshot events have shown per channel, so a late or slow answer cannot undo a removal. */
  readonly #newest = new Map<string, ChannelSnapshot>();

  constructor(peers: PeerClient, options: ChannelAccessOptions = {}) {
    this.#peers = peers;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** The channel when `principal` may see it, else `null`. */
  async visibleChannel(principal: Principal, token: string, channelId: string): Promise<ChannelSnapshot | null> {
    const caller = JSON.stringify([principal.tenantId, principal.userId, principal.role]);
    const cached = this.#answers.get(channelId)?.get(caller);
    if (cached && cached.expiresAt > Date.now()) return this.judge(principal, cached.channel);
    const channel = await this.#ask(token, channelId);
    if (!channel) return null;
    this.#remember(channelId, caller, channel);
    return this.judge(principal, channel);
  }

  /**
   * `channel` if `principal` may see it, judged on the newest snapshot known here (an event may
   * have overtaken the answer), else `null`.
   */
  judge(principal: Principal, channel: ChannelSnapshot): ChannelSnapshot | null {
    const newest = this.#newest.get(channel.id);
    const current = newest && newest.revision > channel.revision ? newest : channel;
    return canSeeChannel(principal, current) ? current : null;
  }

  /**
   * An event showed the channel as it now is: cached answers about it are dropped. Answers
   * `false` for a snapshot older than one already seen (events may arrive out of order).
   */
  observe(channel: ChannelSnapshot): boolean {
    this.#forget(channel.id);
    const newest = this.#newest.get(channel.id);
    if (newest && newest.revision >= channel.revision) return newest.revision === channel.revision;
    this.#newest.delete(channel.id);
    this.#newest.set(channel.id, channel);
    if (this.#newest.size > this.#maxEntries) this.#newest.delete(this.#newest.keys().next().value!);
    return true;
  }

  async #ask(token: string, channelId: string): Promise<ChannelSnapshot | null> {
    const answer = await this.#peers.call('channels', { method: 'GET', path: `/internal/channels/${channelId}`, token });
    if (answer.status === 404 || answer.status === 403) return null;
    if (answer.status === 401) {
      const refusal = ErrorBody.safeParse(answer.body);
      throw new SocketRefusal('UNAUTHENTICATED', refusal.success ? refusal.data.error.message : 'The token was refused');
    }
    const channel = answer.status === 200 ? ChannelSnapshot.safeParse(answer.body) : undefined;
    if (!channel?.success) throw new PeerUnavailableError('channels', new Error(`channels answered ${answer.status} for a channel`));
    return channel.data.id === channelId ? channel.data : null;
  }

  #remember(channelId: string, caller: string, channel: ChannelSnapshot): void {
    let byCaller = this.#answers.get(channelId);
    if (!byCaller) this.#answers.set(channelId, (byCaller = new Map()));
    if (!byCaller.has(caller)) this.#entries += 1;
    byCaller.set(caller, { channel, expiresAt: Date.now() + this.#ttlMs });
    while (this.#entries > this.#maxEntries) this.#forget(this.#answers.keys().next().value!);
  }

  #forget(channelId: string): void {
    this.#entries -= this.#answers.get(channelId)?.size ?? 0;
    this.#answers.delete(channelId);
  }
}

import type { ChannelFacts, ChannelSnapshot, ChannelStatus, ChannelType, Principal } from '@chat/contracts';
import { ChannelStatus as ChannelStatuses, ChannelType as ChannelTypes } from '@chat/contracts';
import type { Database, TenantTx } from '@chat/database';
import type { Metrics } from '@chat/telemetry';
import { factsFor, loadChannelView, storeSnapshot, tenantOfChannel, type ChannelView } from '../store/channel-copies.ts';
import type { ChannelOwner } from './channel-owner.ts';
import { channelNotFound } from './refusals.ts';

/** One of the shared rules of `@chat/contracts` (canSeeChannel, canSeeNotes, ...). */
export type AccessRule = (principal: Principal, channel: ChannelFacts) => boolean;

/** Who calls, and the token to forward should the owner of the channel have to be asked. */
export interface Caller {
  principal: Principal;
  authorization: string | undefined;
}

const NOT_YET = Symbol('the copy cannot say yes');

/** Channel ids map to tenants for good, so platform staff's look-ups can be remembered. */
const TENANT_CACHE_SIZE = 10_000;

/**
 * Decides whether a caller may act on a channel and runs the action in that channel's tenant.
 * The fast path is one read of the local copy inside the action's own transaction. Only when the
 * copy cannot say yes (unknown channel, caller not yet a participant) is the owner asked; its
 * answer is stored when newer and judged by the same rule, so the copy never refuses what the
 * owner would allow.
 */
export class ChannelAccess {
  readonly #db: Database;
  readonly #owner: ChannelOwner;
  readonly #tenantOfChannel = new Map<string, string>();
  readonly #mayEverPass = new WeakMap<AccessRule, Map<Principal['role'], boolean>>();
  readonly #ownerAsks: ReturnType<Metrics['counter']> | undefined;

  constructor(db: Database, owner: ChannelOwner, metrics?: Metrics) {
    this.#db = db;
    this.#owner = owner;
    this.#ownerAsks = metrics?.counter(
      'messaging_channel_owner_asks_total',
      'Times the local channel copy could not say yes and the channels service was asked, by its answer',
      ['answer'],
    );
  }

  /**
   * Runs `work` in one transaction of the channel's tenant once `rule` allows the caller on the
   * channel; otherwise 404. `work` may run more than once (the transaction is retried on
   * serialization failures), so it keeps its side effects in the database.
   */
  async withChannel<T>(caller: Caller, channelId: string, rule: AccessRule, work: (tx: TenantTx, channel: ChannelView) => Promise<T>): Promise<T> {
    const { principal } = caller;
    const tenantId = await this.#tenantToLookIn(principal, channelId);
    if (tenantId !== undefined) {
      const outcome = await this.#db.inTenant(tenantId, async (tx) => {
        const channel = await loadChannelView(tx, channelId, principal.userId);
        if (!channel || !rule(principal, factsFor(channel, principal.userId))) return NOT_YET;
        return { value: await work(tx, channel) };
      });
      if (outcome !== NOT_YET) return outcome.value;
    }
    if (!this.#mayEverBeAllowed(principal, rule)) throw channelNotFound();

    const snapshot = await this.#askOwner(channelId, caller.authorization);
    if (!snapshot || !rule(principal, snapshot)) throw channelNotFound();
    this.#remember(channelId, snapshot.tenantId);
    return this.#db.inTenant(snapshot.tenantId, async (tx) => {
      await storeSnapshot(tx, snapshot);
      // The copy may have been newer than the owner's answer: judge whichever is newest.
      const channel = await loadChannelView(tx, channelId, principal.userId);
      if (!channel || !rule(principal, factsFor(channel, principal.userId))) throw channelNotFound();
      return work(tx, channel);
    });
  }

  async #askOwner(channelId: string, authorization: string | undefined): Promise<ChannelSnapshot | null> {
    try {
      const snapshot = await this.#owner.snapshot(channelId, authorization);
      this.#ownerAsks?.inc({ answer: snapshot ? 'channel' : 'not_found' });
      return snapshot;
    } catch (error) {
      this.#ownerAsks?.inc({ answer: 'unavailable' });
      throw error;
    }
  }

  /**
   * The tenant whose rows to read. Platform staff carry no real tenant and act in the channel's,
   * found across tenants; an unknown channel has none yet.
   */
  async #tenantToLookIn(principal: Principal, channelId: string): Promise<string | undefined> {
    if (principal.role !== 'SUPER_ADMIN') return principal.tenantId;
    const cached = this.#tenantOfChannel.get(channelId);
    if (cached !== undefined) return cached;
    const tenantId = await this.#db.acrossTenants((tx) => tenantOfChannel(tx, channelId));
    if (tenantId !== undefined) this.#remember(channelId, tenantId);
    return tenantId;
  }

  #remember(channelId: string, tenantId: string): void {
    if (this.#tenantOfChannel.size >= TENANT_CACHE_SIZE) this.#tenantOfChannel.clear();
    this.#tenantOfChannel.set(channelId, tenantId);
  }

  /**
   * Whether any channel at all could pass `rule` for this caller (as a participant, of any type
   * and status). A participant asking for notes never could: no need to ask the owner.
   */
  #mayEverBeAllowed(principal: Principal, rule: AccessRule): boolean {
    let byRole = this.#mayEverPass.get(rule);
    if (!byRole) this.#mayEverPass.set(rule, (byRole = new Map()));
    let answer = byRole.get(principal.role);
    if (answer === undefined) {
      answer = ChannelTypes.options.some((type: ChannelType) =>
        ChannelStatuses.options.some((status: ChannelStatus) =>
          rule(principal, { tenantId: principal.tenantId, type, status, participants: [{ userId: principal.userId }] }),
        ),
      );
      byRole.set(principal.role, answer);
    }
    return answer;
  }
}

import type { Logger } from '@chat/telemetry';
import { rooms } from '../domain/rooms.ts';
import type { PresenceChange, PresenceStore } from '../store/presence.ts';
import type { ChatNamespace } from './types.ts';

/**
 * Presence as sockets see it: `presence_changed` to the user's tenant on a user's first socket
 * anywhere and on the last one's going, and a heartbeat that keeps this replica's users alive and
 * announces the users of replicas that died.
 */
export class PresenceTracker {
  readonly #nsp: ChatNamespace;
  readonly #store: PresenceStore;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  /** Store calls under way: shutdown waits for them before the store's connection goes. */
  readonly #pending = new Set<Promise<void>>();
  #stopped = false;

  constructor(nsp: ChatNamespace, store: PresenceStore, logger: Logger, heartbeatMs: number) {
    this.#nsp = nsp;
    this.#store = store;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.#beat(), heartbeatMs);
    this.#timer.unref();
  }

  connected(tenantId: string, userId: string): Promise<void> {
    return this.#track(async () => {
      try {
        if (await this.#store.connected(tenantId, userId)) this.#announce({ tenantId, userId }, true);
      } catch (error) {
        this.#logger.warn({ err: error }, 'presence not recorded; the heartbeat will catch up');
      }
    });
  }

  disconnected(tenantId: string, userId: string): Promise<void> {
    return this.#track(async () => {
      try {
        if (await this.#store.disconnected(tenantId, userId)) this.#announce({ tenantId, userId }, false);
      } catch (error) {
        this.#logger.warn({ err: error }, 'presence not released; it fades out by itself');
      }
    });
  }

  /** Stops the heartbeat and withdraws this replica's users (their sockets are gone). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    try {
      for (const user of await this.#store.withdraw()) this.#announce(user, false);
    } catch (error) {
      this.#logger.warn({ err: error }, 'presence not withdrawn; it fades out by itself');
    }
    this.#stopped = true;
  }

  #beat(): Promise<void> {
    return this.#track(async () => {
      try {
        for (const user of await this.#store.heartbeat()) this.#announce(user, false);
      } catch (error) {
        this.#logger.warn({ err: error }, 'presence heartbeat failed');
      }
    });
  }

  #track(work: () => Promise<void>): Promise<void> {
    const running = work().finally(() => this.#pending.delete(running));
    this.#pending.add(running);
    return running;
  }

  #announce({ tenantId, userId }: PresenceChange, online: boolean): void {
    if (this.#stopped) return;
    this.#nsp.to(rooms.tenant(tenantId)).emit('presence_changed', { userId, online });
  }
}

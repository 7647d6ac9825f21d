import type { Principal, Role } from '@chat/contracts';
import type { Database } from '@chat/database';
import { upsertSeenUser } from '../store/seen-users.ts';

export interface SeenUserRegistryOptions {
  /** Rewrite an unchanged user this often, so `lastSeenAt` stays roughly true. Default 5 minutes. */
  refreshMs?: number;
  /** Users remembered in memory; the oldest is forgotten first. Default 50,000. */
  capacity?: number;
  now?: () => number;
}

interface Remembered {
  role: Role;
  name: string | null;
  writtenAt: number;
}

/**
 * Remembers every caller (id, role, name, per tenant) as its token says. Writes only when a user
 * is new to this process, its role or name changed, or its last write is older than the refresh
 * interval, so a busy user costs one write per interval rather than one per request.
 */
export class SeenUserRegistry {
  readonly #db: Database;
  readonly #refreshMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #remembered = new Map<string, Remembered>();
  /** Writes in flight, so a burst of first requests writes once. */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(db: Database, { refreshMs = 5 * 60_000, capacity = 50_000, now = Date.now }: SeenUserRegistryOptions = {}) {
    this.#db = db;
    this.#refreshMs = refreshMs;
    this.#capacity = capacity;
    this.#now = now;
  }

  async record(principal: Principal): Promise<void> {
    const key = `${principal.tenantId}\u0000${principal.userId}`;
    const known = this.#remembered.get(key);
    const name = principal.name ?? known?.name ?? null;
    if (known && known.role === principal.role && known.name === name && this.#now() - known.writtenAt < this.#refreshMs) return;
    const inFlight = this.#pending.get(key);
    if (inFlight) return inFlight;
    const write = this.#write(key, { userId: principal.userId, tenantId: principal.tenantId, role: principal.role, name }).finally(() =>
      this.#pending.delete(key),
    );
    this.#pending.set(key, write);
    return write;
  }

  /** Forgets what this process remembers (another process may have written since). */
  forget(): void {
    this.#remembered.clear();
  }

  async #write(key: string, user: { userId: string; tenantId: string; role: Role; name: string | null }): Promise<void> {
    const writtenAt = this.#now();
    await this.#db.inTenant(user.tenantId, (tx) => upsertSeenUser(tx, user));
    // Only after the commit: a write that failed is tried again by the next request.
    this.#remembered.delete(key);
    this.#remembered.set(key, { role: user.role, name: user.name, writtenAt });
    if (this.#remembered.size > this.#capacity) {
      const oldest = this.#remembered.keys().next().value;
      if (oldest !== undefined) this.#remembered.delete(oldest);
    }
  }
}

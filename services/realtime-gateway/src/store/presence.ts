import type { Redis } from 'ioredis';

export interface PresenceChange {
  tenantId: string;
  userId: string;
}

/**
 * Who is online, across every replica. Each replica counts its own sockets per user; the store
 * answers when a user's first socket anywhere arrives and when the last one anywhere leaves.
 */
export interface PresenceStore {
  /** A socket of the user connected here; `true` when the user was online nowhere before. */
  connected(tenantId: string, userId: string): Promise<boolean>;
  /** A socket of the user left here; `true` when the user is now online nowhere. */
  disconnected(tenantId: string, userId: string): Promise<boolean>;
  /** The online users of a tenant, or which of `userIds` are online. */
  online(tenantId: string, userIds?: readonly string[]): Promise<Set<string>>;
  /**
   * Keeps this replica's users alive and answers the users whose every connection has faded (their
   * replica died without saying goodbye). Called periodically.
   */
  heartbeat(): Promise<PresenceChange[]>;
  /** Withdraws every connection of this replica; answers the users that made offline. */
  withdraw(): Promise<PresenceChange[]>;
}

/** Sockets per user on this replica. */
class LocalCounts {
  readonly #counts = new Map<string, { tenantId: string; userId: string; count: number }>();

  /** The count after adding `delta`. */
  add(tenantId: string, userId: string, delta: 1 | -1): number {
    const key = JSON.stringify([tenantId, userId]);
    const entry = this.#counts.get(key) ?? { tenantId, userId, count: 0 };
    entry.count = Math.max(0, entry.count + delta);
    if (entry.count === 0) this.#counts.delete(key);
    else this.#counts.set(key, entry);
    return entry.count;
  }

  users(): PresenceChange[] {
    return [...this.#counts.values()].map(({ tenantId, userId }) => ({ tenantId, userId }));
  }

  clear(): void {
    this.#counts.clear();
  }
}

/** The one-process run: this replica is the only one. */
export class MemoryPresenceStore implements PresenceStore {
  readonly #local = new LocalCounts();

  async connected(tenantId: string, userId: string): Promise<boolean> {
    return this.#local.add(tenantId, userId, 1) === 1;
  }

  async disconnected(tenantId: string, userId: string): Promise<boolean> {
    return this.#local.add(tenantId, userId, -1) === 0;
  }

  async online(tenantId: string, userIds?: readonly string[]): Promise<Set<string>> {
    const online = new Set(this.#local.users().filter((user) => user.tenantId === tenantId).map((user) => user.userId));
    return userIds ? new Set(userIds.filter((userId) => online.has(userId))) : online;
  }

  async heartbeat(): Promise<PresenceChange[]> {
    return [];
  }

  async withdraw(): Promise<PresenceChange[]> {
    const gone = this.#local.users();
    this.#local.clear();
    return gone;
  }
}

/*
 * Keys, under `<prefix>:presence`:
 * - `:u:<["tenant","user"]>` sorted set: replica id → when its claim on the user expires;
 * - `:t:<hex tenant>` sorted set: user id → latest expiry of any claim (the tenant's online list);
 * - `:all` sorted set: `["tenant","user"]` → latest expiry (what the sweep walks).
 * Each replica renews its claims on every heartbeat; a dead replica's claims simply expire, and the
 * sweep turns users left with no live claim offline, once (the script runs atomically).
 */
const CLAIM = `
local function expireAtLatest(key)
  local top = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #top == 2 then redis.call('PEXPIREAT', key, top[2]) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], 'GT', ARGV[3], ARGV[5])
expireAtLatest(KEYS[1])
expireAtLatest(KEYS[2])
expireAtLatest(KEYS[3])
return before
`;

const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local after = redis.call('ZCARD', KEYS[1])
if after == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZREM', KEYS[3], ARGV[4])
end
return after
`;

const SWEEP = `
local function hex(text)
  return (text:gsub('.', function(c) return string.format('%02x', string.byte(c)) end))
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local gone = {}
for _, member in ipairs(expired) do
  local ids = cjson.decode(member)
  local userKey = ARGV[2] .. ':u:' .. member
  redis.call('ZREMRANGEBYSCORE', userKey, '-inf', ARGV[1])
  local top = redis.call('ZRANGE', userKey, -1, -1, 'WITHSCORES')
  if #top == 2 then
    redis.call('ZADD', KEYS[1], top[2], member)
  else
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', ARGV[2] .. ':t:' .. hex(ids[1]), ids[2])
    table.insert(gone, member)
  end
end
return gone
`;

/**
 * The scripts as commands of the connection (ioredis sends EVALSHA, and the script itself only
 * when Redis does not know it yet, after a restart say), so that a claim does not carry the whole
 * script each time; heartbeats send their claims in pipelines of this many.
 */
const SCRIPTS = {
  presenceClaim: { numberOfKeys: 3, lua: CLAIM },
  presenceRelease: { numberOfKeys: 3, lua: RELEASE },
  presenceSweep: { numberOfKeys: 1, lua: SWEEP },
} as const;
type ScriptArgs = Array<string | number>;
type PresenceScripts<R> = { [name in keyof typeof SCRIPTS]: (...args: ScriptArgs) => R };
const HEARTBEAT_PIPELINE = 500;

export interface RedisPresenceOptions {
  redis: Redis;
  keyPrefix: string;
  replicaId: string;
  /** How long a claim lives without a heartbeat; heartbeats should come at a third of it. */
  ttlMs: number;
}

export class RedisPresenceStore implements PresenceStore {
  readonly #redis: Redis & PresenceScripts<Promise<unknown>>;
  readonly #prefix: string;
  readonly #replicaId: string;
  readonly #ttlMs: number;
  readonly #local = new LocalCounts();

  constructor(options: RedisPresenceOptions) {
    for (const [name, script] of Object.entries(SCRIPTS)) options.redis.defineCommand(name, script);
    this.#redis = options.redis as Redis & PresenceScripts<Promise<unknown>>;
    this.#prefix = `${options.keyPrefix}:presence`;
    this.#replicaId = options.replicaId;
    this.#ttlMs = options.ttlMs;
  }

  async connected(tenantId: string, userId: string): Promise<boolean> {
    if (this.#local.add(tenantId, userId, 1) !== 1) return false;
    return (await this.#claim(tenantId, userId)) === 0;
  }

  async disconnected(tenantId: string, userId: string): Promise<boolean> {
    if (this.#local.add(tenantId, userId, -1) !== 0) return false;
    return (await this.#release(tenantId, userId)) === 0;
  }

  async online(tenantId: string, userIds?: readonly string[]): Promise<Set<string>> {
    const key = this.#tenantKey(tenantId);
    const now = Date.now();
    if (userIds === undefined) return new Set(await this.#redis.zrangebyscore(key, now, '+inf'));
    if (userIds.length === 0) return new Set();
    const scores = await this.#redis.zmscore(key, ...userIds);
    return new Set(userIds.filter((_, index) => Number(scores[index] ?? 0) > now));
  }

  async heartbeat(): Promise<PresenceChange[]> {
    const users = this.#local.users();
    for (let from = 0; from < users.length; from += HEARTBEAT_PIPELINE) {
      const pipeline = this.#redis.pipeline() as ReturnType<Redis['pipeline']> & PresenceScripts<unknown>;
      for (const { tenantId, userId } of users.slice(from, from + HEARTBEAT_PIPELINE)) pipeline.presenceClaim(...this.#claimArgs(tenantId, userId));
      const failed = (await pipeline.exec())?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
    }
    const now = Date.now();
    const gone = (await this.#redis.presenceSweep(this.#allKey(), now, this.#prefix, 500)) as string[];
    return gone.map((member) => {
      const [tenantId, userId] = JSON.parse(member) as [string, string];
      return { tenantId, userId };
    });
  }

  async withdraw(): Promise<PresenceChange[]> {
    const users = this.#local.users();
    this.#local.clear();
    const released = await Promise.all(users.map(async (user) => ((await this.#release(user.tenantId, user.userId)) === 0 ? [user] : [])));
    return released.flat();
  }

  async #claim(tenantId: string, userId: string): Promise<number> {
    return (await this.#redis.presenceClaim(...this.#claimArgs(tenantId, userId))) as number;
  }

  #claimArgs(tenantId: string, userId: string): ScriptArgs {
    const member = JSON.stringify([tenantId, userId]);
    const now = Date.now();
    return [this.#userKey(member), this.#tenantKey(tenantId), this.#allKey(), this.#replicaId, now, now + this.#ttlMs, userId, member];
  }

  async #release(tenantId: string, userId: string): Promise<number> {
    const member = JSON.stringify([tenantId, userId]);
    return (await this.#redis.presenceRelease(this.#userKey(member), this.#tenantKey(tenantId), this.#allKey(), this.#replicaId, Date.now(), userId, member)) as number;
  }

  #userKey(member: string): string {
    return `${this.#prefix}:u:${member}`;
  }

  /** Hex, so that any tenant id makes a key the sweep script can rebuild byte for byte. */
  #tenantKey(tenantId: string): string {
    return `${this.#prefix}:t:${Buffer.from(tenantId, 'utf8').toString('hex')}`;
  }

  #allKey(): string {
    return `${this.#prefix}:all`;
  }
}

import type { Redis } from 'ioredis';

/**
 * Which channels are `PLATFORM_SUPPORT` channels. A ticket event does not say its channel's type,
 * yet platform staff must hear about platform tickets; the channel events that do say it are
 * spread over the replicas, so what one replica learns is kept where all of them can look.
 * Only platform channels are remembered: tenant admins open few of them.
 */
export interface PlatformChannels {
  remember(channelId: string): Promise<void>;
  has(channelId: string): Promise<boolean>;
}

/** Kept while platform channels keep coming; a system that stopped making them lets it go. */
const KEEP_SECONDS = 180 * 24 * 3600;

export class RedisPlatformChannels implements PlatformChannels {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#key = `${keyPrefix}:platform-channels`;
  }

  async remember(channelId: string): Promise<void> {
    await this.#redis.multi().sadd(this.#key, channelId).expire(this.#key, KEEP_SECONDS).exec();
  }

  async has(channelId: string): Promise<boolean> {
    return (await this.#redis.sismember(this.#key, channelId)) === 1;
  }
}

export class MemoryPlatformChannels implements PlatformChannels {
  readonly #ids = new Set<string>();

  async remember(channelId: string): Promise<void> {
    this.#ids.add(channelId);
  }

  async has(channelId: string): Promise<boolean> {
    return this.#ids.has(channelId);
  }
}

import { ChannelSnapshot, Refusal } from '@chat/contracts';

/** The channels service, asked when the local copy cannot yet say yes (read-your-writes). */
export interface ChannelOwner {
  /**
   * The channel as its owner has it now, if the caller (by its forwarded token) may see it;
   * null when the owner says 404. Unreachable or confused owner: a 503 refusal, because a
   * refusal the owner would not give must never reach the user.
   */
  snapshot(channelId: string, authorization: string | undefined): Promise<ChannelSnapshot | null>;
}

/** Without a `CHANNELS_URL` the copy is all there is: whatever it cannot confirm stays unseen. */
export const NO_OWNER: ChannelOwner = { snapshot: async () => null };

const unavailable = (cause: unknown) =>
  new Refusal('unavailable', 'SERVICE_UNAVAILABLE', 'The channels service could not be asked; try again shortly', { cause });

export function httpChannelOwner(baseUrl: string, { timeoutMs = 3_000 } = {}): ChannelOwner {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    async snapshot(channelId, authorization) {
      if (authorization === undefined) return null;
      let response: Response;
      try {
        response = await fetch(`${root}/internal/channels/${encodeURIComponent(channelId)}`, {
          headers: { authorization, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw unavailable(error);
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw unavailable(new Error(`channels answered ${response.status} for channel ${channelId}`));
      }
      const parsed = ChannelSnapshot.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success || parsed.data.id !== channelId) throw unavailable(new Error('channels answered a body that is not the channel asked for'));
      return parsed.data;
    },
  };
}

import type { Channel, ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import { bodyAsEvent } from '../delivery.ts';
import type { DeadLetter } from '../types.ts';
import { ConfirmPublisher } from './publisher.ts';
import { DEAD_AT_HEADER, ERROR_HEADER, forward } from './messages.ts';

/** Dead letters moved per round of replay: confirms in flight together, then acked together. */
const REPLAY_BATCH = 100;

const NOT_FOUND = 404;

/**
 * Reads up to `limit` dead letters, oldest first, and hands them all back: the dead-letter queue
 * is a classic queue, which returns them to their places unchanged.
 */
export async function peekDeadLetters(model: ChannelModel, deadLetterQueue: string, consumer: string, limit: number): Promise<DeadLetter[]> {
  const channel = await openChannel(model, false);
  try {
    if (!(await queueExists(channel, deadLetterQueue))) return [];
    const letters: DeadLetter[] = [];
    while (letters.length < limit) {
      const message = await channel.get(deadLetterQueue, { noAck: false });
      if (message === false) break;
      letters.push(toDeadLetter(message, consumer));
    }
    channel.nackAll(true);
    return letters;
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * Moves the dead letters present when it starts back onto the consumer's main queue, as first
 * attempts. Each batch is confirmed on the main queue before it is acked in the dead-letter
 * queue, so a failure part-way repeats some events but never loses one. Letters that die again
 * meanwhile are left for the next replay rather than looped over.
 */
export async function moveDeadLetters(model: ChannelModel, deadLetterQueue: string, mainQueue: string, publishTimeoutMs: number): Promise<number> {
  const channel = await openChannel(model, true);
  const publisher = new ConfirmPublisher(channel);
  try {
    if (!(await queueExists(channel, deadLetterQueue))) return 0;
    const { messageCount } = await channel.checkQueue(deadLetterQueue);
    let moved = 0;
    while (moved < messageCount) {
      const batch: GetMessage[] = [];
      while (batch.length < Math.min(REPLAY_BATCH, messageCount - moved)) {
        const message = await channel.get(deadLetterQueue, { noAck: false });
        if (message === false) break;
        batch.push(message);
      }
      const last = batch.at(-1);
      if (last === undefined) break;
      try {
        await publisher.publishAll(
          batch.map((message) => forward(message, mainQueue, {})),
          publishTimeoutMs,
        );
      } catch (error) {
        throw new Error(`replay stopped after ${moved} event(s): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      channel.ack(last, true);
      moved += batch.length;
    }
    return moved;
  } finally {
    // Unacked letters of a failed batch go back to the dead-letter queue with the channel.
    await channel.close().catch(() => {});
  }
}

async function openChannel(model: ChannelModel, confirm: true): Promise<ConfirmChannel>;
async function openChannel(model: ChannelModel, confirm: false): Promise<Channel>;
async function openChannel(model: ChannelModel, confirm: boolean) {
  const channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
  // A passive declare of a missing queue closes the channel with an error event: expected here.
  channel.on('error', () => {});
  return channel;
}

async function queueExists(channel: Channel, queue: string): Promise<boolean> {
  try {
    await channel.checkQueue(queue);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === NOT_FOUND) return false;
    throw error;
  }
}

function toDeadLetter(message: GetMessage, consumer: string): DeadLetter {
  const headers: Record<string, unknown> = message.properties.headers ?? {};
  const brokerDeath = latestDeath(headers['x-death']);
  const error = headers[ERROR_HEADER];
  const deadAt = headers[DEAD_AT_HEADER];
  return {
    event: bodyAsEvent(message.content.toString('utf8')),
    error: typeof error === 'string' ? error : brokerDeath ? describeBrokerDeath(brokerDeath.reason) : null,
    consumer,
    deadAt: typeof deadAt === 'string' ? deadAt : (brokerDeath?.time ?? null),
  };
}

/** The broker's own dead-lettering (a delivery limit reached) records why in `x-death`, newest first. */
function latestDeath(xDeath: unknown): { reason: string; time: string | null } | null {
  if (!Array.isArray(xDeath)) return null;
  const latest: unknown = xDeath[0];
  if (typeof latest !== 'object' || latest === null) return null;
  const { reason, time } = latest as { reason?: unknown; time?: unknown };
  return { reason: typeof reason === 'string' ? reason : 'unknown', time: timestampText(time) };
}

function describeBrokerDeath(reason: string): string {
  return reason === 'delivery_limit'
    ? 'delivery limit reached: delivered again and again without being settled (did the consumer crash?)'
    : `dead-lettered by the broker (${reason})`;
}

/** AMQP timestamps (seconds) come out of amqplib as `{ '!': 'timestamp', value }`. */
function timestampText(time: unknown): string | null {
  const seconds = typeof time === 'object' && time !== null ? (time as { value?: unknown }).value : time;
  return typeof seconds === 'number' ? new Date(seconds * 1_000).toISOString() : null;
}

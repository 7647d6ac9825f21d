/**
 * The open-loop sender: message `n` of a step is due at `start + n / rate` and is written then,
 * whether or not earlier ones were answered. Each carries its due time, so the latency a receiver
 * measures includes any queue the system (or this sender) built up.
 */
import { Agent, request } from 'node:http';
import { nowMs } from '../clock.ts';
import { Samples } from '../samples.ts';
import { STAMP_KEY, type Stamp } from '../stamp.ts';
import { serveCommands } from './ipc.ts';
import type { SendCommand, SendReport } from './protocol.ts';

/** Sockets per replica: enough that the pool never throttles an open-loop schedule. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const REQUEST_TIMEOUT_MS = 30_000;
/** The first message is due a moment after the command, so the schedule starts clean. */
const LEAD_MS = 20;

function post(url: URL, token: string, body: string): Promise<number | string> {
  return new Promise((resolve) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'RESPONSE_ERROR'));
      },
    );
    outgoing.once('timeout', () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    outgoing.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'REQUEST_ERROR'));
    outgoing.end(body);
  });
}

function run(command: SendCommand): Promise<SendReport> {
  const planned = Math.round((command.rate * command.durationMs) / 1_000);
  const intervalMs = 1_000 / command.rate;
  const filler = 'x'.repeat(command.contentLength);
  const ackedFlags = new Uint8Array(planned);
  const ackLatencies = new Samples();
  const failures: Record<string, number> = {};
  const roomCount = command.rooms.length;
  const replicaCount = command.replicas.length;
  let acked = 0;
  let answered = 0;
  let sent = 0;
  let maxSendLagMs = 0;
  const start = nowMs() + LEAD_MS;

  return new Promise((resolve) => {
    const finishIfDone = () => {
      if (answered === planned && sent === planned) {
        resolve({ step: command.step, planned, sent, acked, failures, ackedFlags, ackLatencies: ackLatencies.toArray(), maxSendLagMs, startedAt: start });
      }
    };
    const send = (n: number, due: number) => {
      // Rooms in turn; within a room its members in turn; replicas mixed across both.
      const room = command.rooms[n % roomCount]!;
      const round = Math.floor(n / roomCount);
      const token = room.senderTokens[round % room.senderTokens.length]!;
      const replica = command.replicas[(n + round) % replicaCount]!;
      const stamp: Stamp = { step: command.step, n, due };
      const body = JSON.stringify({ content: `${n} ${filler}`, clientMessageId: `${command.step}-${n}`, metadata: { [STAMP_KEY]: stamp } });
      maxSendLagMs = Math.max(maxSendLagMs, nowMs() - due);
      sent += 1;
      void post(new URL(`/api/chat/channels/${room.channelId}/messages`, replica), token, body).then((status) => {
        answered += 1;
        if (status === 201) {
          acked += 1;
          ackedFlags[n] = 1;
          ackLatencies.push(nowMs() - due);
        } else {
          failures[String(status)] = (failures[String(status)] ?? 0) + 1;
        }
        finishIfDone();
      });
    };
    let n = 0;
    const tick = () => {
      const now = nowMs();
      while (n < planned && start + n * intervalMs <= now) {
        send(n, start + n * intervalMs);
        n += 1;
      }
      if (n < planned) setTimeout(tick, Math.max(0, Math.min(1, start + n * intervalMs - nowMs())));
      else finishIfDone();
    };
    if (planned === 0) finishIfDone();
    else setTimeout(tick, LEAD_MS);
  });
}

serveCommands<SendCommand, SendReport>(async (command) => run(command));

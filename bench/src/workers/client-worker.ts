/**
 * A process holding many Socket.IO client sockets: it opens them (joining a channel room when
 * asked), and records every `new_message` they receive against the current step: distinct
 * receipts, duplicates, and the due-to-receipt latency on the machine's one monotonic clock.
 */
import { io, type Socket } from 'socket.io-client';
import { nowMs } from '../clock.ts';
import { Counts, Samples } from '../samples.ts';
import { stampOf } from '../stamp.ts';
import { serveCommands } from './ipc.ts';
import type { ClientCommand, ClientStatus, ConnectReport, ReceiptReport, SocketPlan } from './protocol.ts';

const CONNECT_TIMEOUT_MS = 20_000;

const sockets: Socket[] = [];

interface StepRecord {
  step: string;
  seenBySocket: Map<number, Set<number>>;
  perMessage: Counts;
  latencies: Samples;
  deliveries: number;
  duplicates: number;
  strays: number;
  disconnects: number;
  lastReceiptAt: number;
}

const newRecord = (step: string): StepRecord => ({
  step,
  seenBySocket: new Map(),
  perMessage: new Counts(),
  latencies: new Samples(),
  deliveries: 0,
  duplicates: 0,
  strays: 0,
  disconnects: 0,
  lastReceiptAt: 0,
});

let record = newRecord('');

function onNewMessage(socketIndex: number, payload: { message?: unknown } | undefined): void {
  const receivedAt = nowMs();
  const stamp = stampOf(payload?.message);
  if (!stamp || stamp.step !== record.step) {
    record.strays += 1;
    return;
  }
  let seen = record.seenBySocket.get(socketIndex);
  if (!seen) record.seenBySocket.set(socketIndex, (seen = new Set()));
  if (seen.has(stamp.n)) {
    record.duplicates += 1;
    return;
  }
  seen.add(stamp.n);
  record.deliveries += 1;
  record.perMessage.increment(stamp.n);
  record.latencies.push(receivedAt - stamp.due);
  record.lastReceiptAt = receivedAt;
}

function openSocket(plan: SocketPlan, index: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${plan.url}/chat`, {
      auth: { token: plan.token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: CONNECT_TIMEOUT_MS,
    });
    const fail = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('connect_error', fail);
    socket.once('connect', () => {
      socket.off('connect_error', fail);
      socket.on('new_message', (payload: { message?: unknown }) => onNewMessage(index, payload));
      socket.on('disconnect', () => (record.disconnects += 1));
      if (plan.channelId === undefined) return resolve(socket);
      socket
        .timeout(CONNECT_TIMEOUT_MS)
        .emitWithAck('join_channel', { channelId: plan.channelId })
        .then((answer: { ok?: boolean; error?: { code?: string } }) => {
          if (answer?.ok) resolve(socket);
          else fail(new Error(`join_channel refused: ${answer?.error?.code ?? 'no answer'}`));
        }, fail);
    });
  });
}

async function connectAll(plans: SocketPlan[], concurrency: number): Promise<ConnectReport> {
  const started = nowMs();
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const base = sockets.length;
  const lane = async () => {
    while (next < plans.length) {
      const plan = plans[next]!;
      const index = base + next++;
      try {
        sockets[index] = await openSocket(plan, index);
      } catch (error) {
        failed += 1;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, lane));
  const connected = sockets.slice(base).filter((socket) => socket?.connected).length;
  return { connected, failed, errors, ms: nowMs() - started };
}

serveCommands<ClientCommand, ConnectReport | ReceiptReport | ClientStatus | { deliveries: number } | null>(async (command) => {
  switch (command.type) {
    case 'connect':
      return connectAll(command.sockets, command.concurrency ?? 100);
    case 'begin':
      record = newRecord(command.step);
      return null;
    case 'progress':
      return { deliveries: record.deliveries };
    case 'collect': {
      const { step, deliveries, duplicates, strays, disconnects, lastReceiptAt } = record;
      return { step, deliveries, duplicates, strays, disconnects, lastReceiptAt, perMessage: record.perMessage.toArray(), latencies: record.latencies.toArray() } satisfies ReceiptReport;
    }
    case 'status':
      return { open: sockets.filter((socket) => socket?.connected).length };
    case 'disconnect':
      for (const socket of sockets) socket?.close();
      sockets.length = 0;
      return null;
  }
});

/**
 * A short run of the bench harness at tiny rates: against the real floor (two replicas on Redis),
 * where everything must arrive once, and against a server that loses, doubles and refuses on
 * purpose, where the harness must count exactly what it did. Not a benchmark: no figure is judged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Server } from 'socket.io';
import { runStep, socketPlans, type StepOptions } from '../src/fanout.ts';
import { startFloorTarget } from '../src/targets.ts';
import { SocketFleet, Sender } from '../src/load.ts';
import { stampOf } from '../src/stamp.ts';
import type { Target } from '../src/targets.ts';

const STEP: Omit<StepOptions, 'rate'> = { durationMs: 1_000, contentLength: 16, drainQuietMs: 600, drainMaxMs: 5_000 };
const RATE = 40;
const layout = { channels: 4, membersPerChannel: 3 };

let fleet: SocketFleet;
let sender: Sender;

before(async () => {
  [fleet, sender] = await Promise.all([SocketFleet.start(2), Sender.start()]);
});

after(async () => {
  await Promise.all([fleet.stop(), sender.stop()]);
});

async function connectTarget(target: Target): Promise<void> {
  const plans = socketPlans(target);
  const connected = await fleet.connect(plans, 10);
  assert.equal(connected.connected, plans.length, connected.errors.join('; '));
}

describe('the fan-out harness', () => {
  test('counts a clean run on the floor: every message acknowledged and delivered once to each member', async () => {
    const floor = await startFloorTarget(layout);
    try {
      await connectTarget(floor);
      const step = await runStep(floor, fleet, sender, { ...STEP, rate: RATE });
      assert.equal(step.planned, RATE);
      assert.equal(step.sent, RATE);
      assert.equal(step.acked, RATE);
      assert.equal(step.expected, RATE * layout.membersPerChannel);
      assert.equal(step.delivered, step.expected);
      assert.equal(step.lost, 0);
      assert.equal(step.duplicates, 0);
      assert.equal(step.strays, 0);
      assert.equal(step.latency.count, step.delivered);
      assert.ok(step.latency.p50 > 0 && step.latency.max >= step.latency.p99);
      assert.ok(step.usage.groups.some((group) => group.name === 'floor 1' && group.cpuMs >= 0));
    } finally {
      await fleet.disconnect();
      await floor.stop();
    }
  });

  test('counts what a faulty server refuses, loses and doubles, exactly', async () => {
    const faulty = await startFaultyServer();
    try {
      await connectTarget(faulty.target);
      const step = await runStep(faulty.target, fleet, sender, { ...STEP, rate: RATE });
      const numbers = Array.from({ length: RATE }, (_, n) => n);
      const acked = numbers.filter((n) => !isRefused(n));
      const dropped = acked.filter(isDropped);
      const doubled = acked.filter((n) => !isDropped(n) && isDoubled(n));
      const members = layout.membersPerChannel;
      assert.equal(step.sent, RATE);
      assert.equal(step.acked, acked.length);
      assert.deepEqual(step.failures, { 500: RATE - acked.length });
      assert.equal(step.expected, acked.length * members);
      assert.equal(step.delivered, (acked.length - dropped.length) * members);
      assert.equal(step.lost, dropped.length * members);
      assert.equal(step.duplicates, doubled.length * members);
      assert.equal(step.clean, false);
    } finally {
      await fleet.disconnect();
      await faulty.stop();
    }
  });
});

// The faulty server's rules, by message number.
const isRefused = (n: number) => n % 11 === 0;
const isDropped = (n: number) => n % 5 === 0;
const isDoubled = (n: number) => n % 7 === 0;

/** The floor's contract in this process, with faults: 500 without a broadcast, no delivery, two. */
async function startFaultyServer(): Promise<{ target: Target; stop(): Promise<void> }> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  const chat = io.of('/chat');
  chat.on('connection', (socket) => {
    socket.on('join_channel', ({ channelId }: { channelId: string }, ack: (answer: unknown) => void) => {
      void socket.join(channelId);
      ack({ ok: true });
    });
  });
  http.on('request', (req, res) => {
    const channelId = /^\/api\/chat\/channels\/([^/]+)\/messages$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !channelId) return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { metadata } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: unknown };
      const message = { id: randomUUID(), channelId, metadata };
      const n = stampOf(message)?.n ?? -1;
      if (isRefused(n)) {
        res.writeHead(500).end();
        return;
      }
      if (!isDropped(n)) chat.to(channelId).emit('new_message', { channelId, message });
      if (!isDropped(n) && isDoubled(n)) chat.to(channelId).emit('new_message', { channelId, message });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(message));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const target: Target = {
    name: 'floor',
    replicas: [url],
    rooms: Array.from({ length: layout.channels }, () => ({ channelId: randomUUID(), memberTokens: Array.from({ length: layout.membersPerChannel }, () => 'none') })),
    groups: [],
    scrape: async () => ({}),
    stop: async () => undefined,
  };
  return {
    target,
    stop: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

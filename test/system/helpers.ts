import { io, type Socket } from 'socket.io-client';
import type { Role } from '@chat/contracts';
import { mintToken, requestJson, waitFor } from '@chat/test-kit';

export interface Actor {
  userId: string;
  tenantId: string;
  role: Role;
  name: string;
  token: string;
}

export async function actor(tenantId: string, role: Role, userId = `${role.toLowerCase()}-${crypto.randomUUID().slice(0, 6)}`): Promise<Actor> {
  const name = `${role === 'PARTICIPANT' ? 'Customer' : 'Agent'} ${userId}`;
  return { userId, tenantId, role, name, token: await mintToken({ userId, tenantId, role, name }) };
}

export async function api<T = unknown>(baseUrl: string, who: Actor, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return requestJson<T>(`${baseUrl}${path}`, { method, token: who.token, body });
}

/** A socket that records every event it receives, by name. */
export interface RecordingSocket {
  socket: Socket;
  received: Map<string, unknown[]>;
  of<T = Record<string, unknown>>(event: string): T[];
  emitAck<T = { ok: boolean; error?: { code: string } }>(event: string, payload: unknown): Promise<T>;
  close(): void;
}

export async function connectSocket(baseUrl: string, who: Actor): Promise<RecordingSocket> {
  const socket = io(`${baseUrl}/chat`, { auth: { token: who.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const received = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => {
    const list = received.get(event) ?? [];
    list.push(payload);
    received.set(event, list);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  return {
    socket,
    received,
    of: <T>(event: string) => (received.get(event) ?? []) as T[],
    emitAck: <T>(event: string, payload: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<T>,
    close: () => socket.close(),
  };
}

/** Waits until `socket` has received an event matching `match`. */
export function receive<T = Record<string, unknown>>(recording: RecordingSocket, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return waitFor(async () => recording.of<T>(event).find(match), { timeoutMs, what: `${event} on ${recording.socket.id}` });
}

export const settle = (ms = 500) => new Promise((resolve) => setTimeout(resolve, ms));

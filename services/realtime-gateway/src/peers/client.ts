import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Owner } from '../domain/routing.ts';

export interface PeerUrls {
  channelsUrl: string;
  messagingUrl: string;
  ticketsUrl: string;
}

/**
 * The owner of a route could not be reached (refused, reset, timed out). Its `code` is what the
 * HTTP kit answers 503 for, and what a socket acknowledgement carries.
 */
export class PeerUnavailableError extends Error {
  override readonly name = 'PeerUnavailableError';
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly owner: Owner;

  constructor(owner: Owner, cause: unknown) {
    super(`The ${owner} service is unavailable`, { cause });
    this.owner = owner;
  }
}

export interface PeerCall {
  method: string;
  /** Path and query, e.g. `/internal/channels/<id>`. */
  path: string;
  /** The caller's own token: peers authorise every call as the caller. */
  token: string;
  body?: unknown;
  requestId?: string;
}

export interface PeerAnswer {
  status: number;
  body: unknown;
}

export interface PeerRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  /** How long the connection may stay silent before the call counts as failed. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * HTTP to the services the gateway fronts, over keep-alive connections (one pool per service). A
 * pooled connection the peer closed while idle is retried once on a fresh one; any other failure
 * to get an answer is a `PeerUnavailableError`.
 */
export class PeerClient {
  readonly #bases: Record<Owner, URL>;
  readonly #agents: Record<Owner, HttpAgent>;
  readonly #timeoutMs: number;

  constructor(urls: PeerUrls, { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {}) {
    this.#bases = { channels: new URL(urls.channelsUrl), messaging: new URL(urls.messagingUrl), tickets: new URL(urls.ticketsUrl) };
    const agentFor = (base: URL) =>
      base.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 256 }) : new HttpAgent({ keepAlive: true, maxSockets: 256 });
    this.#agents = { channels: agentFor(this.#bases.channels), messaging: agentFor(this.#bases.messaging), tickets: agentFor(this.#bases.tickets) };
    this.#timeoutMs = timeoutMs;
  }

  /** A JSON call answered in full; a non-JSON answer comes back as its text. */
  async call(owner: Owner, call: PeerCall): Promise<PeerAnswer> {
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    const headers: OutgoingHttpHeaders = { accept: 'application/json', authorization: `Bearer ${call.token}` };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (call.requestId) headers['x-request-id'] = call.requestId;
    const response = await this.send(owner, { method: call.method, path: call.path, headers }, payload);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response) chunks.push(chunk as Buffer);
    } catch (error) {
      throw new PeerUnavailableError(owner, error);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const isJson = /\bjson\b/i.test(response.headers['content-type'] ?? '');
    let body: unknown = text;
    if (isJson && text !== '') {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new PeerUnavailableError(owner, error);
      }
    }
    return { status: response.statusCode ?? 502, body };
  }

  /**
   * Sends a request whose body is `payload` (or, given a function, whatever it writes and ends)
   * and resolves with the answer's head; the body is the caller's to read.
   */
  send(owner: Owner, request: PeerRequest, payload?: Buffer | ((outgoing: ClientRequest) => void)): Promise<IncomingMessage> {
    const attempt = (retry: boolean): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const base = this.#bases[owner];
        const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
        const outgoing = send(new URL(request.path, base), {
          method: request.method,
          headers: request.headers,
          agent: this.#agents[owner],
          timeout: request.timeoutMs ?? this.#timeoutMs,
        });
        let answered = false;
        outgoing.once('response', (response) => {
          answered = true;
          resolve(response);
        });
        outgoing.once('timeout', () => outgoing.destroy(new Error(`no answer from ${owner} in time`)));
        outgoing.once('error', (error: NodeJS.ErrnoException) => {
          if (answered) return;
          // A kept-alive connection the peer had just closed: the request never reached it.
          const stale = outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
          if (stale && retry && typeof payload !== 'function') attempt(false).then(resolve, reject);
          else reject(new PeerUnavailableError(owner, error));
        });
        if (typeof payload === 'function') payload(outgoing);
        else outgoing.end(payload);
      });
    return attempt(true);
  }

  close(): void {
    for (const agent of Object.values(this.#agents)) agent.destroy();
  }
}

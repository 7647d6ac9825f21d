import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { malformedJsonText, notFound } from '@chat/http-kit';
import { ownerOf } from '../domain/routing.ts';
import type { GatewayInstruments } from '../instruments.ts';
import type { PeerClient } from '../peers/client.ts';

/** Headers that describe one connection, not the message: never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * Routes `/api/chat/...` to the service that owns it, as the caller (the caller's own token goes
 * along). The answer streams back as the service gives it; a service that cannot be reached
 * answers 503 in the error shape. Paths nobody owns, `/internal/...` among them, answer 404.
 */
export function proxyToOwner(peers: PeerClient, instruments: GatewayInstruments): RequestHandler {
  return async (req, res) => {
    const [path = ''] = req.originalUrl.split('?');
    const owner = ownerOf(path);
    if (owner === null) throw notFound('No such route');

    const headers = forwardedHeaders(req);
    const parsed = readBody(req);
    if (parsed) {
      headers['content-length'] = parsed.length;
      delete headers['content-encoding'];
    }
    const upstream = await peers.send(
      owner,
      { method: req.method, path: req.originalUrl, headers },
      parsed ?? ((outgoing) => void pipeline(req, outgoing).catch(() => outgoing.destroy())),
    );
    instruments.proxied.inc({ owner, status: String(upstream.statusCode ?? 0) });
    res.status(upstream.statusCode ?? 502);
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) res.setHeader(name, value);
    }
    await relayAnswer(upstream, res);
  };
}

/**
 * Streams the owner's answer on. A failure half-way leaves nothing honest to send: the caller's
 * connection is cut; a caller gone half-way stops the owner's answer. (Not `pipeline`: it makes an
 * AbortError with a stack trace for every request it finishes, a few per cent of the gateway.)
 */
function relayAnswer(upstream: IncomingMessage, res: Response): Promise<void> {
  return new Promise((resolve) => {
    upstream.once('error', () => res.destroy());
    upstream.once('close', () => {
      if (!upstream.complete) res.destroy();
    });
    res.once('close', () => {
      if (!upstream.complete) upstream.destroy();
      resolve();
    });
    upstream.pipe(res);
  });
}

/**
 * The body as the HTTP kit already read it, if it did: JSON re-serialised, or malformed JSON as it
 * came, for the owner to refuse in its turn (after its 404 and 403: checks run in the order 401,
 * 404, 403, 400). `undefined` when the body was not JSON: it is still unread and streams on. A body
 * the kit refused for its size or charset cannot be passed on: that refusal is answered here.
 */
function readBody(req: Request): Buffer | undefined {
  if (req.bodyError !== undefined) {
    const malformed = malformedJsonText(req);
    if (malformed === undefined) throw req.bodyError;
    return Buffer.from(malformed);
  }
  return req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
}

function forwardedHeaders(req: Request): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers as IncomingHttpHeaders)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !name.startsWith('x-forwarded-')) headers[name] = value;
  }
  const forwardedFor = req.headers['x-forwarded-for'];
  const chain = [forwardedFor, req.socket.remoteAddress].flat().filter((part): part is string => typeof part === 'string' && part !== '');
  headers['x-forwarded-for'] = chain.join(', ');
  headers['x-forwarded-proto'] = req.protocol;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  headers['x-request-id'] = req.requestId;
  return headers;
}

import type { RequestHandler } from 'express';
import { forbidden } from '@chat/http-kit';
import { originAllowed } from '../domain/origins.ts';

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, x-request-id';
const EXPOSED_HEADERS = 'x-request-id, retry-after';

/**
 * CORS for the REST API: a browser on an allowed origin (see `originAllowed`) gets the headers it
 * needs, preflights answer 204, and any other origin is refused with 403 before the request is
 * looked at.
 */
export function cors(allowed: readonly string[] | undefined): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin === undefined) return next();
    res.vary('Origin');
    if (!originAllowed(origin, req.get('host'), allowed)) throw forbidden('This origin may not call the API', { code: 'ORIGIN_NOT_ALLOWED' });
    res.set({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': EXPOSED_HEADERS,
    });
    if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
      res.set({ 'access-control-allow-methods': ALLOWED_METHODS, 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' });
      res.status(204).end();
      return;
    }
    next();
  };
}

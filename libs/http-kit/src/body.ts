import express, { type Request, type RequestHandler } from 'express';
import './types.ts';

/**
 * body-parser's refusals of the body itself (not of the connection): answered when the route reads
 * the body, never before. `request.aborted` and the like are not here: the caller is gone.
 */
const DEFERRED_BODY_ERRORS = new Set(['entity.parse.failed', 'entity.too.large', 'charset.unsupported', 'encoding.unsupported']);

/**
 * The JSON body parser, with its refusals held back. The parser must run before the routes (it
 * reads the stream), but a bad body is the last thing a caller is told: the checks run in the
 * order 401, 404, 403, 400. So a body that is malformed, too large or in an unknown charset is
 * kept on the request (`req.bodyError`, `req.body` stays undefined) and `parseBody` answers it
 * (400, 413, 415) once the route has judged the token and the resource. body-parser reads such a
 * body to its end before refusing it anyway, so holding the answer back costs nothing.
 */
export function jsonBody(limit: string | number): RequestHandler {
  const parse = express.json({ limit });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error !== undefined && DEFERRED_BODY_ERRORS.has(bodyErrorType(error) ?? '')) {
        req.bodyError = error;
        next();
        return;
      }
      next(error);
    });
  };
}

/**
 * What the caller sent as a body that was not valid JSON (the text, as decoded), so that a proxy
 * can pass it on for its owner to judge in the right order; `undefined` for any other body.
 */
export function malformedJsonText(req: Request): string | undefined {
  const error = req.bodyError;
  if (bodyErrorType(error) !== 'entity.parse.failed') return undefined;
  const text = (error as { body?: unknown }).body;
  return typeof text === 'string' ? text : undefined;
}

function bodyErrorType(error: unknown): string | undefined {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? type : undefined;
}

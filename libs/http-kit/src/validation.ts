import type { Request } from 'express';
import type { z } from 'zod';
import { notFound, unsupportedMediaType, validationFailed, type FieldProblem } from './errors.ts';

/**
 * The body, validated; else 400 `VALIDATION_FAILED` naming each bad field. A request without a
 * body is validated as `{}` (so `PUT .../resolve` may omit its optional fields); a body that is
 * there but not JSON is a 415. A body the parser refused is answered here, in its turn after the
 * token and the resource: 400 `MALFORMED_JSON`, 413 `PAYLOAD_TOO_LARGE` (body.ts).
 */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  if (req.bodyError !== undefined) throw req.bodyError;
  if (req.body === undefined && hasBody(req)) throw unsupportedMediaType();
  return parseOrThrow(schema, req.body ?? {}, 'body');
}

/** The query string, validated; else 400 `VALIDATION_FAILED` naming each bad parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parseOrThrow(schema, req.query, 'query');
}

/**
 * The path parameters, validated; else 404. A path names a resource, and one whose id cannot
 * exist (say, not a UUID) is as invisible as one that does not exist: telling the two apart
 * would only be a 400 for guessing the id's shape.
 */
export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const result = schema.safeParse(req.params);
  if (!result.success) throw notFound();
  return result.data;
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationFailed(fieldProblems(result.error, where));
}

/** One entry per bad field, with its dotted path (`participantIds.2`); the location for the whole input. */
export function fieldProblems(error: z.ZodError, where: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : where;
    if (issue.code === 'unrecognized_keys') {
      const prefix = issue.path.length > 0 ? `${field}.` : '';
      for (const key of issue.keys) problems.push({ field: `${prefix}${key}`, message: 'Unknown field' });
    } else {
      problems.push({ field, message: issue.message });
    }
  }
  return problems;
}

/** As `type-is` decides it: a body is announced by a length above zero or a transfer encoding. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

import type { ErrorRequestHandler } from 'express';
import { HttpError } from '@chat/http-kit';
import { Refusal, type RefusalKind } from '../domain/refusal.ts';

const STATUS: Record<RefusalKind, number> = { NOT_FOUND: 404, FORBIDDEN: 403, INVALID: 400, CONFLICT: 409 };

/** The domain's refusals as the HTTP answers of the contract; everything else passes on. */
export const refusalsAsHttp: ErrorRequestHandler = (error, _req, _res, next) => {
  if (error instanceof Refusal) {
    next(new HttpError(STATUS[error.kind], error.code, error.message, { details: error.details, cause: error }));
    return;
  }
  next(error);
};

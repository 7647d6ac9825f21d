import type { RequestHandler } from 'express';
import { issueDevToken } from '@chat/auth';
import { parseBody } from '@chat/http-kit';
import { DevTokenBody } from '@chat/contracts';

export interface DevAuth {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** `POST /api/chat/dev/token` (dev mode only): a token for whoever the body names. */
export function devToken(devAuth: DevAuth): RequestHandler {
  return async (req, res) => {
    const body = parseBody(DevTokenBody, req);
    const token = await issueDevToken({ ...body, secret: devAuth.secret, issuer: devAuth.issuer, audience: devAuth.audience });
    res.json({ token });
  };
}

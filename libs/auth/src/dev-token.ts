import { SignJWT } from 'jose';
import { z } from 'zod';
import { OpaqueId, Principal, Role } from '@chat/contracts';

const DevTokenInput = z.object({
  userId: OpaqueId,
  tenantId: OpaqueId,
  role: Role,
  name: Principal.shape.name.optional(),
  ttlSec: z.number().int().positive().max(7 * 24 * 3600),
});

export interface DevTokenOptions {
  secret: string | Uint8Array;
  userId: string;
  tenantId: string;
  role: z.infer<typeof Role>;
  name?: string | null | undefined;
  /** Lifetime in seconds; 8 hours by default (one working day at the console). */
  ttlSec?: number;
  /** Set these when the verifiers check them, so dev tokens pass the same checks as real ones. */
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** An HS256 token for dev mode (`DEV_AUTH=1`), with the claims a real issuer would put in. */
export async function issueDevToken(options: DevTokenOptions): Promise<string> {
  const input = DevTokenInput.parse({ ...options, ttlSec: options.ttlSec ?? 8 * 3600 });
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (secret.length === 0) throw new TypeError('The token secret must not be empty');
  const jwt = new SignJWT({ tid: input.tenantId, role: input.role, ...(input.name == null ? {} : { name: input.name }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.userId)
    .setIssuedAt()
    .setExpirationTime(`${input.ttlSec}s`);
  if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt.setAudience(options.audience);
  return jwt.sign(secret);
}

import { SignJWT } from 'jose';
import type { Role } from '@chat/contracts';

/** The HS256 secret test systems are started with. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TokenClaims {
  userId: string;
  tenantId: string;
  role: Role;
  name?: string;
  ttlSec?: number;
  secret?: string;
}

/** Mints a token as the host platform would. */
export async function mintToken({ userId, tenantId, role, name, ttlSec = 3600, secret = TEST_JWT_SECRET }: TokenClaims): Promise<string> {
  const claims: Record<string, unknown> = { tid: tenantId, role };
  if (name !== undefined) claims.name = name;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec)
    .sign(new TextEncoder().encode(secret));
}

/** A unique tenant id per test, so tests never see each other's data. */
export function uniqueTenant(prefix = 'tenant'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

import { z } from 'zod';
import { OpaqueId, Principal, Role } from '@chat/contracts';

/** The claims a token must carry for its bearer to act; see API.md "Identity". */
export const TokenClaims = z.object({
  sub: OpaqueId,
  tid: OpaqueId,
  role: Role,
  name: Principal.shape.name.optional(),
  exp: z.number().finite(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** A verified caller, plus when its token stops being valid (epoch milliseconds). */
export type VerifiedPrincipal = Principal & { expiresAt: number };

export function principalFromClaims(claims: TokenClaims): VerifiedPrincipal {
  return {
    userId: claims.sub,
    tenantId: claims.tid,
    role: claims.role,
    name: claims.name ?? null,
    expiresAt: claims.exp * 1000,
  };
}

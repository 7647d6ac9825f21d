/**
 * Tokens as an attacker makes them: any header, any claims, any signature, or none. Built by hand
 * (base64url JSON and an HMAC or RSA signature) so that nothing a JWT library refuses to produce
 * is out of reach.
 */
import { createHmac, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Role } from '@chat/contracts';
import { TEST_JWT_SECRET } from '@chat/test-kit';

export const ISSUER = 'https://id.example.com';
export const AUDIENCE = 'chat-platform';

const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

export type Signer = (signingInput: string) => string;
export const hmac = (key: string | Buffer): Signer => (input) => createHmac('sha256', key).update(input).digest('base64url');
export const rsa = (privateKey: KeyObject): Signer => (input) => createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
export const unsigned: Signer = () => '';

export function jwt(header: Record<string, unknown>, payload: Record<string, unknown>, sign: Signer): string {
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${sign(input)}`;
}

export interface Identity {
  userId: string;
  tenantId: string;
  role: Role;
  name?: string;
}

/** The claims of a good token for `who`, valid for `ttlSec`, with the issuer and audience the system expects. */
export function claimsOf(who: Identity, ttlSec = 3600): Record<string, unknown> {
  return { sub: who.userId, tid: who.tenantId, role: who.role, name: who.name ?? who.userId, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + ttlSec };
}

/** A token the system must accept: HS256 with its secret, issuer and audience. */
export function goodToken(who: Identity, ttlSec = 3600): string {
  return jwt({ alg: 'HS256', typ: 'JWT' }, claimsOf(who, ttlSec), hmac(TEST_JWT_SECRET));
}

export function rsaKeys(): { privateKey: KeyObject; publicKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** A token whose payload was edited after signing: the signature of the original kept. */
export function tampered(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${encode({ ...claims, ...change })}.${signature}`;
}

/**
 * Every token attack against an HS256 system that checks issuer and audience: each is a token the
 * system must refuse, for a user it has never seen (so acceptance would leave a trace).
 */
export function forgedTokens(victim: Identity): Record<string, string> {
  const attacker = rsaKeys();
  const claims = claimsOf(victim);
  const hs = { alg: 'HS256', typ: 'JWT' };
  const good = goodToken(victim);
  const { exp: _exp, ...withoutExpiry } = claims;
  const { aud: _aud, ...withoutAudience } = claims;
  const { iss: _iss, ...withoutIssuer } = claims;
  const { tid: _tid, ...withoutTenant } = claims;
  return {
    'alg none': jwt({ alg: 'none', typ: 'JWT' }, claims, unsigned),
    'alg None with a signature': jwt({ alg: 'None' }, claims, hmac(TEST_JWT_SECRET)),
    'a wrong secret': jwt(hs, claims, hmac('not-the-secret-but-just-as-long-as-the-real-one-0123456789')),
    'RS256 with an attacker key (algorithm switch)': jwt({ alg: 'RS256', typ: 'JWT' }, claims, rsa(attacker.privateKey)),
    'HS512 with the secret': jwt({ alg: 'HS512' }, claims, (input) => createHmac('sha512', TEST_JWT_SECRET).update(input).digest('base64url')),
    expired: jwt(hs, { ...claims, iat: now() - 7200, exp: now() - 60 }, hmac(TEST_JWT_SECRET)),
    'not yet valid': jwt(hs, { ...claims, nbf: now() + 120 }, hmac(TEST_JWT_SECRET)),
    'no expiry': jwt(hs, withoutExpiry, hmac(TEST_JWT_SECRET)),
    'a wrong audience': jwt(hs, { ...claims, aud: 'some-other-api' }, hmac(TEST_JWT_SECRET)),
    'no audience': jwt(hs, withoutAudience, hmac(TEST_JWT_SECRET)),
    'a wrong issuer': jwt(hs, { ...claims, iss: 'https://evil.example.com' }, hmac(TEST_JWT_SECRET)),
    'no issuer': jwt(hs, withoutIssuer, hmac(TEST_JWT_SECRET)),
    'a tampered role': tampered(good, { role: 'SUPER_ADMIN' }),
    'a tampered tenant': tampered(good, { tid: 'platform' }),
    'a tampered expiry': tampered(jwt(hs, { ...claims, exp: now() - 60 }, hmac(TEST_JWT_SECRET)), { exp: now() + 3600 }),
    'jwk header carrying the attacker key': jwt({ alg: 'RS256', jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims, rsa(attacker.privateKey)),
    'jku header pointing at the attacker': jwt({ alg: 'RS256', jku: 'http://127.0.0.1:9/jwks.json', kid: 'attacker' }, claims, rsa(attacker.privateKey)),
    'x5u header pointing at the attacker': jwt({ alg: 'RS256', x5u: 'http://127.0.0.1:9/cert.pem' }, claims, rsa(attacker.privateKey)),
    'kid path traversal to an empty key': jwt({ alg: 'HS256', kid: '../../../../../../../dev/null' }, claims, hmac('')),
    'kid SQL injection with a chosen key': jwt({ alg: 'HS256', kid: "x' UNION SELECT 'attacker-key' --" }, claims, hmac('attacker-key')),
    'a role that does not exist': jwt(hs, { ...claims, role: 'ROOT' }, hmac(TEST_JWT_SECRET)),
    'no tenant': jwt(hs, withoutTenant, hmac(TEST_JWT_SECRET)),
    'not a JWT': 'definitely-not-a-token',
    'three garbage parts': 'eyJ.eyJ.sig',
    'oversize': jwt(hs, { ...claims, padding: 'x'.repeat(10_000) }, hmac(TEST_JWT_SECRET)),
  };
}

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { base64url, decodeProtectedHeader, exportJWK, SignJWT, type JWK, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { AuthError, createVerifier, issueDevToken, type AuthErrorCode, type Verifier } from '@chat/auth';

const SECRET = 'test-secret-that-is-long-enough-for-hs256!';
const claims = { sub: 'user-1', tid: 'tenant-a', role: 'PARTICIPANT', name: 'Ada' };

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

type SignKey = KeyObject | Uint8Array;

async function sign(
  key: SignKey,
  header: JWTHeaderParameters,
  payload: JWTPayload = claims,
  { exp = '1h' as string | number | null } = {},
): Promise<string> {
  const jwt = new SignJWT(payload).setProtectedHeader(header).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

const secretBytes = new TextEncoder().encode(SECRET);
const hs = (payload?: JWTPayload, options?: { exp?: string | number | null }) => sign(secretBytes, { alg: 'HS256' }, payload, options);

async function refusal(verifier: Verifier, token: string): Promise<AuthErrorCode> {
  try {
    await verifier.verify(token);
  } catch (error) {
    assert.ok(error instanceof AuthError, `expected AuthError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('the token was accepted');
}

function unsigned(payload: JWTPayload, header: Record<string, unknown> = { alg: 'none', typ: 'JWT' }): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(payload)}.`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('HS256 with a secret', () => {
  const verifier = createVerifier({ secret: SECRET });

  test('accepts a good token and returns the principal with its expiry', async () => {
    const principal = await verifier.verify(await hs());
    const { expiresAt, ...rest } = principal;
    assert.deepEqual(rest, { userId: 'user-1', tenantId: 'tenant-a', role: 'PARTICIPANT', name: 'Ada' });
    assert.ok(Math.abs(expiresAt - (Date.now() + 3600_000)) < 5000);
  });

  test('name is optional and becomes null', async () => {
    const { name: _name, ...withoutName } = claims;
    assert.equal((await verifier.verify(await hs(withoutName))).name, null);
  });

  test('refuses alg none, with and without a signature part', async () => {
    const payload = { ...claims, exp: now() + 3600 };
    assert.equal(await refusal(verifier, unsigned(payload)), 'TOKEN_INVALID');
    assert.equal(await refusal(verifier, unsigned(payload, { alg: 'None' })), 'TOKEN_INVALID');
    const signed = await hs();
    assert.equal(await refusal(verifier, `${unsigned(payload)}${signed.split('.')[2]}`), 'TOKEN_INVALID');
  });

  test('refuses a token signed with another secret', async () => {
    const token = await sign(new TextEncoder().encode(`${SECRET}x`), { alg: 'HS256' });
    assert.equal(await refusal(verifier, token), 'TOKEN_INVALID');
  });

  test('refuses other HMAC algorithms with the right secret (pinned to HS256)', async () => {
    assert.equal(await refusal(verifier, await sign(secretBytes, { alg: 'HS512' })), 'TOKEN_INVALID');
  });

  test('refuses an expired token', async () => {
    assert.equal(await refusal(verifier, await hs(claims, { exp: now() - 3600 })), 'TOKEN_EXPIRED');
  });

  test('refuses a token without exp', async () => {
    assert.equal(await refusal(verifier, await hs(claims, { exp: null })), 'TOKEN_CLAIMS_INVALID');
  });

  test('refuses a token that is not valid yet', async () => {
    assert.equal(await refusal(verifier, await hs({ ...claims, nbf: now() + 600 })), 'TOKEN_NOT_YET_VALID');
  });

  test('refuses a tampered payload', async () => {
    const [header, , signature] = (await hs()).split('.');
    const forged = base64url.encode(JSON.stringify({ ...claims, role: 'SUPER_ADMIN', exp: now() + 3600 }));
    assert.equal(await refusal(verifier, `${header}.${forged}.${signature}`), 'TOKEN_INVALID');
  });

  test('refuses bad claims: unknown role, missing tid, ids out of bounds, name not a string', async () => {
    assert.equal(await refusal(verifier, await hs({ ...claims, role: 'ROOT' })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ sub: 'u', role: 'PARTICIPANT' })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ ...claims, sub: '' })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ ...claims, tid: 'x'.repeat(129) })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ ...claims, name: 42 })), 'TOKEN_CLAIMS_INVALID');
    assert.ok(await verifier.verify(await hs({ ...claims, tid: 'x'.repeat(128) })));
  });

  test('refuses garbage without leaking details', async () => {
    for (const token of ['', 'abc', 'a.b.c', 'x'.repeat(10_000), `${await hs()}.extra`]) {
      try {
        await verifier.verify(token);
        assert.fail('accepted');
      } catch (error) {
        assert.ok(error instanceof AuthError);
        assert.equal(error.message, 'The token is not valid');
      }
    }
  });

  test('a token that names its own key is refused even when correctly signed', async () => {
    const token = await sign(secretBytes, { alg: 'HS256', jku: 'https://attacker.example/jwks.json' });
    assert.equal(await refusal(verifier, token), 'TOKEN_INVALID');
  });
});

describe('issuer and audience, when configured', () => {
  const verifier = createVerifier({ secret: SECRET, issuer: 'https://idp.example', audience: 'chat' });

  test('accepts matching iss and aud', async () => {
    assert.ok(await verifier.verify(await hs({ ...claims, iss: 'https://idp.example', aud: ['other', 'chat'] })));
  });

  test('refuses a wrong or missing iss', async () => {
    assert.equal(await refusal(verifier, await hs({ ...claims, iss: 'https://evil.example', aud: 'chat' })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ ...claims, aud: 'chat' })), 'TOKEN_CLAIMS_INVALID');
  });

  test('refuses a wrong or missing aud', async () => {
    assert.equal(await refusal(verifier, await hs({ ...claims, iss: 'https://idp.example', aud: 'billing' })), 'TOKEN_CLAIMS_INVALID');
    assert.equal(await refusal(verifier, await hs({ ...claims, iss: 'https://idp.example' })), 'TOKEN_CLAIMS_INVALID');
  });

  test('without configuration, iss and aud are not checked', async () => {
    const lax = createVerifier({ secret: SECRET });
    assert.ok(await lax.verify(await hs({ ...claims, iss: 'anyone', aud: 'anything' })));
  });
});

describe('RS256 and ES256 with a PEM public key', () => {
  const rsaVerifier = createVerifier({ publicKeyPem: rsaPem });
  const ecVerifier = createVerifier({ publicKeyPem: ecPem });

  test('accepts RS256 signed by the matching private key', async () => {
    assert.equal((await rsaVerifier.verify(await sign(rsa.privateKey, { alg: 'RS256' }))).userId, 'user-1');
  });

  test('accepts ES256 signed by the matching private key', async () => {
    assert.equal((await ecVerifier.verify(await sign(ec.privateKey, { alg: 'ES256' }))).tenantId, 'tenant-a');
  });

  test('refuses, at construction, a PEM that is not a public key', () => {
    assert.throws(() => createVerifier({ publicKeyPem: 'not a pem' }));
  });

  test('refuses a token signed by another RSA key', async () => {
    assert.equal(await refusal(rsaVerifier, await sign(otherRsa.privateKey, { alg: 'RS256' })), 'TOKEN_INVALID');
  });

  test('refuses HS256 signed with the RSA public key as the secret (algorithm confusion)', async () => {
    const confused = await sign(new TextEncoder().encode(rsaPem), { alg: 'HS256' });
    assert.equal(await refusal(rsaVerifier, confused), 'TOKEN_INVALID');
    const confusedEc = await sign(new TextEncoder().encode(ecPem), { alg: 'HS256' });
    assert.equal(await refusal(ecVerifier, confusedEc), 'TOKEN_INVALID');
  });

  test('refuses other algorithms for the same key (PS256, RS512)', async () => {
    assert.equal(await refusal(rsaVerifier, await sign(rsa.privateKey, { alg: 'PS256' })), 'TOKEN_INVALID');
    assert.equal(await refusal(rsaVerifier, await sign(rsa.privateKey, { alg: 'RS512' })), 'TOKEN_INVALID');
  });

  test('refuses an embedded jwk header carrying the signer key', async () => {
    const jwk = await exportJWK(attackerEc.publicKey);
    const token = await sign(attackerEc.privateKey, { alg: 'ES256', jwk });
    assert.equal(await refusal(ecVerifier, token), 'TOKEN_INVALID');
  });

  test('refuses alg none', async () => {
    assert.equal(await refusal(rsaVerifier, unsigned({ ...claims, exp: now() + 3600 })), 'TOKEN_INVALID');
  });

  test('a key that is neither RSA nor EC P-256 is refused at construction', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => createVerifier({ publicKeyPem: ed }), /Unsupported token key/);
  });

  test('exactly one key source is required', () => {
    assert.throws(() => createVerifier({} as never), /exactly one/);
    assert.throws(() => createVerifier({ secret: SECRET, publicKeyPem: rsaPem } as never), /exactly one/);
    assert.throws(() => createVerifier({ secret: '' }), /empty/);
  });
});

describe('ES256 and RS256 from a JWKS URL', () => {
  let jwksServer: Server;
  let attackerServer: Server;
  let jwksUrl: string;
  let attackerUrl: string;
  let attackerHits = 0;
  let verifier: Verifier;
  const legitKid = 'legit-ec';

  async function listen(server: Server): Promise<string> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  before(async () => {
    const ecJwk: JWK = { ...(await exportJWK(ec.publicKey)), kid: legitKid, use: 'sig' };
    const rsaJwk: JWK = { ...(await exportJWK(rsa.publicKey)), kid: 'legit-rsa' };
    // An `oct` key in the set must never turn into an HMAC secret.
    const octJwk: JWK = { kty: 'oct', k: base64url.encode(secretBytes), kid: 'shared' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [ecJwk, rsaJwk, octJwk] }));
    });
    const attackerJwk: JWK = { ...(await exportJWK(attackerEc.publicKey)), kid: legitKid };
    attackerServer = createServer((_req, res) => {
      attackerHits += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [attackerJwk] }));
    });
    jwksUrl = `${await listen(jwksServer)}/.well-known/jwks.json`;
    attackerUrl = `${await listen(attackerServer)}/jwks.json`;
    verifier = createVerifier({ jwksUrl, issuer: 'https://idp.example' });
  });

  after(() => {
    for (const server of [jwksServer, attackerServer]) {
      server.closeAllConnections();
      server.close();
    }
  });

  const withIss = { ...claims, iss: 'https://idp.example' };

  test('accepts ES256 and RS256 tokens whose kid names a key of the set', async () => {
    assert.equal((await verifier.verify(await sign(ec.privateKey, { alg: 'ES256', kid: legitKid }, withIss))).userId, 'user-1');
    assert.equal((await verifier.verify(await sign(rsa.privateKey, { alg: 'RS256', kid: 'legit-rsa' }, withIss))).userId, 'user-1');
  });

  test('accepts a token without kid when one key fits the algorithm', async () => {
    assert.ok(await verifier.verify(await sign(rsa.privateKey, { alg: 'RS256' }, withIss)));
  });

  test('refuses a jku header pointing at an attacker JWKS, and never fetches it', async () => {
    const token = await sign(attackerEc.privateKey, { alg: 'ES256', kid: legitKid, jku: attackerUrl }, withIss);
    assert.equal(await refusal(verifier, token), 'TOKEN_INVALID');
    const x5u = await sign(attackerEc.privateKey, { alg: 'ES256', kid: legitKid, x5u: attackerUrl }, withIss);
    assert.equal(await refusal(verifier, x5u), 'TOKEN_INVALID');
    assert.equal(attackerHits, 0);
  });

  test('refuses an embedded jwk header', async () => {
    const jwk = await exportJWK(attackerEc.publicKey);
    assert.equal(await refusal(verifier, await sign(attackerEc.privateKey, { alg: 'ES256', jwk }, withIss)), 'TOKEN_INVALID');
  });

  test('kid only selects among the configured keys: a borrowed kid or an odd kid does not help', async () => {
    const borrowed = await sign(attackerEc.privateKey, { alg: 'ES256', kid: legitKid }, withIss);
    assert.equal(await refusal(verifier, borrowed), 'TOKEN_INVALID');
    for (const kid of ['../../../../etc/passwd', "' OR 1=1 --", attackerUrl, 'unknown']) {
      assert.equal(await refusal(verifier, await sign(attackerEc.privateKey, { alg: 'ES256', kid }, withIss)), 'TOKEN_INVALID');
    }
    // kid of the EC key with an RSA signature: the key's type decides the algorithm.
    assert.equal(await refusal(verifier, await sign(rsa.privateKey, { alg: 'RS256', kid: legitKid }, withIss)), 'TOKEN_INVALID');
    assert.equal(attackerHits, 0);
  });

  test('refuses HS256, even with an oct key of the set as the secret', async () => {
    const token = await sign(secretBytes, { alg: 'HS256', kid: 'shared' }, withIss);
    assert.equal(await refusal(verifier, token), 'TOKEN_INVALID');
  });

  test('refuses HS256 signed with a public key of the set (algorithm confusion)', async () => {
    const token = await sign(new TextEncoder().encode(rsaPem), { alg: 'HS256', kid: 'legit-rsa' }, withIss);
    assert.equal(await refusal(verifier, token), 'TOKEN_INVALID');
  });

  test('still checks claims: expired, wrong iss', async () => {
    assert.equal(await refusal(verifier, await sign(ec.privateKey, { alg: 'ES256', kid: legitKid }, withIss, { exp: now() - 600 })), 'TOKEN_EXPIRED');
    assert.equal(await refusal(verifier, await sign(ec.privateKey, { alg: 'ES256', kid: legitKid }, claims)), 'TOKEN_CLAIMS_INVALID');
  });

  test('an unreachable JWKS endpoint is KEYS_UNAVAILABLE, not the caller’s fault', async () => {
    const down = createServer();
    const url = await listen(down);
    await new Promise((resolve) => down.close(resolve));
    const unreachable = createVerifier({ jwksUrl: `${url}/jwks.json`, jwksTimeoutMs: 1000 });
    assert.equal(await refusal(unreachable, await sign(ec.privateKey, { alg: 'ES256', kid: legitKid })), 'KEYS_UNAVAILABLE');
  });
});

describe('dev tokens', () => {
  test('issueDevToken signs HS256 tokens the verifier accepts, valid for 8 hours by default', async () => {
    const token = await issueDevToken({ secret: SECRET, userId: 'agent-7', tenantId: 'acme', role: 'TENANT_ADMIN', name: 'Grace' });
    const principal = await createVerifier({ secret: SECRET }).verify(token);
    assert.equal(principal.userId, 'agent-7');
    assert.equal(principal.tenantId, 'acme');
    assert.equal(principal.role, 'TENANT_ADMIN');
    assert.equal(principal.name, 'Grace');
    assert.ok(Math.abs(principal.expiresAt - (Date.now() + 8 * 3600_000)) < 5000);
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' });
  });

  test('carries issuer and audience so configured verifiers accept it; ttl is honoured', async () => {
    const verifier = createVerifier({ secret: SECRET, issuer: 'dev', audience: 'chat' });
    const token = await issueDevToken({ secret: SECRET, userId: 'u', tenantId: 't', role: 'PARTICIPANT', ttlSec: 60, issuer: 'dev', audience: 'chat' });
    const principal = await verifier.verify(token);
    assert.equal(principal.name, null);
    assert.ok(principal.expiresAt <= Date.now() + 61_000);
  });

  test('refuses bad input', async () => {
    await assert.rejects(issueDevToken({ secret: SECRET, userId: '', tenantId: 't', role: 'PARTICIPANT' }));
    await assert.rejects(issueDevToken({ secret: SECRET, userId: 'u', tenantId: 't', role: 'ROOT' as never }));
    await assert.rejects(issueDevToken({ secret: '', userId: 'u', tenantId: 't', role: 'PARTICIPANT' }));
  });
});

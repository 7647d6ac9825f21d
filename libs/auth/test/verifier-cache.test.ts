import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
import { SignJWT } from 'jose';
import { AuthError, createVerifier } from '@chat/auth';

const SECRET = 'test-secret-that-is-long-enough-for-hs256!';
const claims = { sub: 'user-1', tid: 'tenant-a', role: 'PARTICIPANT' };

const sign = (exp: number, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AuthError);
    return error.code;
  }
  assert.fail('the token was accepted');
}

describe('verified tokens are remembered', () => {
  afterEach(() => mock.timers.reset());

  test('a remembered token still expires on time', async () => {
    const verifier = createVerifier({ secret: SECRET, clockToleranceSec: 0 });
    const now = Date.now();
    mock.timers.enable({ apis: ['Date'], now });
    const token = await sign(Math.floor(now / 1000) + 30);
    assert.equal((await verifier.verify(token)).userId, 'user-1');
    mock.timers.tick(10_000);
    assert.equal((await verifier.verify(token)).userId, 'user-1', 'remembered');
    mock.timers.tick(25_000);
    assert.equal(await refusalCode(verifier.verify(token)), 'TOKEN_EXPIRED');
  });

  test('a refusal is never remembered as a success, and answers are copies', async () => {
    const verifier = createVerifier({ secret: SECRET });
    const forged = await sign(Math.floor(Date.now() / 1000) + 3600, 'another-secret-that-is-long-enough-for-hs256');
    assert.equal(await refusalCode(verifier.verify(forged)), 'TOKEN_INVALID');
    assert.equal(await refusalCode(verifier.verify(forged)), 'TOKEN_INVALID');

    const token = await sign(Math.floor(Date.now() / 1000) + 3600);
    const first = await verifier.verify(token);
    (first as { userId: string }).userId = 'tampered';
    assert.equal((await verifier.verify(token)).userId, 'user-1');
  });

  test('one token differing by a byte is verified afresh', async () => {
    const verifier = createVerifier({ secret: SECRET });
    const token = await sign(Math.floor(Date.now() / 1000) + 3600);
    await verifier.verify(token);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const flipped = `${token.slice(0, token.lastIndexOf('.') + 1)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    assert.equal(await refusalCode(verifier.verify(flipped)), 'TOKEN_INVALID');
  });
});

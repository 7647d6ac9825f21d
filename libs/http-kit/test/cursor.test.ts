import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { Refusal } from '@chat/contracts';
import { cursorCodec, CursorInstant } from '@chat/http-kit';

const refusedAsCursor = (error: unknown) => error instanceof Refusal && error.kind === 'invalid' && error.code === 'INVALID_CURSOR';

describe('cursor codec', () => {
  const codec = cursorCodec(z.tuple([CursorInstant, z.uuid()]));

  it('round-trips a position as base64url, microseconds kept', () => {
    const position: [string, string] = ['2026-11-26T09:30:09.123456Z', crypto.randomUUID()];
    const cursor = codec.encode(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(codec.decode(cursor), position);
  });

  it('refuses with INVALID_CURSOR whatever it did not give out', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'not base64url!',
      '',
      Buffer.from('{').toString('base64url'),
      encode(null),
      encode({ t: '2026-11-26T09:30:09.123456Z' }),
      encode(['2026-11-26T09:30:09.123Z', crypto.randomUUID()]),
      encode(['2026-02-30T10:00:00.000000Z', crypto.randomUUID()]),
      encode(['2026-11-26T09:30:09.123456Z', "1' OR 1=1"]),
    ]) {
      assert.throws(() => codec.decode(cursor), refusedAsCursor, cursor);
    }
  });
});

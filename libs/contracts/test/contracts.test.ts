import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateChannelBody, EVENT_TYPES, isUnavailability, makeEnvelope, parseEnvelope, Refusal, SendMessageBody } from '@chat/contracts';

const snapshot = {
  id: crypto.randomUUID(),
  tenantId: 'acme',
  type: 'SUPPORT' as const,
  status: 'ACTIVE' as const,
  name: null,
  createdBy: 'u1',
  assignedTo: null,
  escalatedTo: null,
  participants: [{ userId: 'u1', role: 'PARTICIPANT' as const }],
  revision: 1,
  updatedAt: new Date().toISOString(),
};

describe('event envelopes', () => {
  it('round-trips a valid envelope through JSON', () => {
    const event = makeEnvelope('channel.created', 'acme', { userId: 'u1', role: 'PARTICIPANT' }, { channel: snapshot, ticket: null, metadata: null });
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(event)));
    assert.deepEqual(parsed, event);
  });

  it('refuses an unknown type and data that does not fit its type', () => {
    const event = makeEnvelope('channel.created', 'acme', { userId: 'u1', role: 'PARTICIPANT' }, { channel: snapshot, ticket: null, metadata: null });
    assert.throws(() => parseEnvelope({ ...event, type: 'channel.exploded' }));
    assert.throws(() => parseEnvelope({ ...event, data: { channel: { ...snapshot, status: 'GONE' } } }));
    assert.throws(() => parseEnvelope({ ...event, tenantId: '' }));
  });

  it('names every event type by its routing key', () => {
    for (const type of EVENT_TYPES) assert.match(type, /^[a-z]+\.[a-z_]+$/);
  });
});

describe('request bodies', () => {
  it('bounds message content to 1..10000 characters', () => {
    assert.equal(SendMessageBody.safeParse({ content: '' }).success, false);
    assert.equal(SendMessageBody.safeParse({ content: 'x'.repeat(10_001) }).success, false);
    assert.equal(SendMessageBody.safeParse({ content: 'x'.repeat(10_000) }).success, true);
  });

  it('refuses unknown enum values and unknown fields, such as a smuggled tenant id', () => {
    assert.equal(CreateChannelBody.safeParse({ type: 'DIRECT' }).success, false);
    assert.equal(CreateChannelBody.safeParse({ type: 'TEAM', tenantId: 'other' }).success, false);
    assert.equal(CreateChannelBody.safeParse({ type: 'TEAM', participantIds: ['a', 'b'] }).success, true);
  });
});

describe('storable text', () => {
  it('refuses the NUL character and lone surrogate halves, and keeps every other character', () => {
    assert.equal(SendMessageBody.safeParse({ content: 'a\u0000b' }).success, false);
    assert.equal(SendMessageBody.safeParse({ content: 'a\ud800b' }).success, false);
    assert.equal(SendMessageBody.safeParse({ content: 'a\udc00' }).success, false);
    const everyOther = '\u0001\t\u007f\u200b\ufeff😀 \ud83d\udc4d é 中';
    assert.deepEqual(SendMessageBody.parse({ content: everyOther }), { content: everyOther });
  });

  it('looks into metadata at every depth, keys included, without running out of stack', () => {
    const withContent = (metadata: unknown) => SendMessageBody.safeParse({ content: 'hi', metadata }).success;
    assert.equal(withContent({ a: [1, { b: ['ok', 'bad\u0000'] }] }), false);
    assert.equal(withContent({ a: { 'key\ud800': 1 } }), false);
    assert.equal(withContent({ a: [1, { b: ['ok', null, true, 2.5] }] }), true);
    let deep: unknown = 'bad\u0000';
    for (let level = 0; level < 200_000; level++) deep = [deep];
    assert.equal(withContent({ deep }), false);
  });
});

describe('unavailability', () => {
  it('tells a dependency out of reach from work that failed', () => {
    assert.equal(isUnavailability(new Refusal('unavailable', 'CHANNELS_UNAVAILABLE', 'channels did not answer')), true);
    assert.equal(isUnavailability(Object.assign(new Error('database unavailable'), { name: 'DatabaseUnavailableError' })), true);
    assert.equal(isUnavailability({ code: 'SERVICE_UNAVAILABLE' }), true);
    assert.equal(isUnavailability(new Refusal('conflict', 'CHANNEL_ARCHIVED', 'archived')), false);
    assert.equal(isUnavailability(new Error('projection is corrupt')), false);
    assert.equal(isUnavailability(undefined), false);
    assert.equal(isUnavailability('SERVICE_UNAVAILABLE'), false);
  });
});

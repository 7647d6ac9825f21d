import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEnvelope, type ChannelSnapshot, type Ticket } from '@chat/contracts';
import { deliveriesFor, ticketAudience } from '../src/domain/fanout.ts';
import { originAllowed } from '../src/domain/origins.ts';
import { roomsOnConnect } from '../src/domain/rooms.ts';
import { ownerOf } from '../src/domain/routing.ts';
import { TypingThrottle } from '../src/domain/typing.ts';

const actor = { userId: 'u', role: 'TENANT_ADMIN' as const };
const channel: ChannelSnapshot = {
  id: '7d0c7a52-64a5-4c38-9f07-6d0a8a1e8f11',
  tenantId: 't1',
  type: 'SUPPORT',
  status: 'RESOLVED',
  name: null,
  createdBy: 'alice',
  assignedTo: 'sam',
  escalatedTo: 'root',
  participants: [
    { userId: 'alice', role: 'PARTICIPANT' },
    { userId: 'sam', role: 'MANAGEMENT_TEAM' },
    { userId: 'root', role: null },
  ],
  revision: 3,
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('routing', () => {
  test('owners of the public paths', () => {
    const id = channel.id;
    const cases: [string, string | null][] = [
      ['/api/chat/channels', 'channels'],
      ['/api/chat/channels/', 'channels'],
      [`/api/chat/channels/${id}`, 'channels'],
      [`/api/chat/channels/${id}/participants/u1`, 'channels'],
      [`/api/chat/channels/${id}/messages`, 'messaging'],
      [`/api/chat/channels/${id}/read`, 'messaging'],
      [`/api/chat/channels/${id}/notes`, 'messaging'],
      ['/api/chat/messages/x/reactions/%F0%9F%91%8D', 'messaging'],
      ['/api/chat/search', 'messaging'],
      ['/api/chat/users', 'channels'],
      ['/api/chat/tickets', 'tickets'],
      ['/api/chat/sla-policy', 'tickets'],
      ['/api/chat/canned-responses/x', 'tickets'],
      ['/api/chat', null],
      ['/api/chat/', null],
      ['/internal/channels/x', null],
      ['/api/chat/../internal/channels/x', null],
      ['/api/chat/%2E%2E/internal', null],
      ['/api/chat/channels/%2f', null],
      ['/api/chat/channels/%5C..', null],
      ['/api/chat/channels//x', null],
      ['/api/chat/channels/%E0%A4%A', null],
      ['/api/chat/presence', null],
      ['/api/chatter', null],
    ];
    for (const [path, owner] of cases) assert.equal(ownerOf(path), owner, path);
  });
});

describe('fan-out', () => {
  test('status changes reach the room and each participant, platform staff in their own room', () => {
    const [delivery] = deliveriesFor(makeEnvelope('channel.resolved', 't1', actor, { channel, resolution: null }));
    assert.deepEqual(delivery, {
      event: 'channel_status_changed',
      rooms: [`t:t1:c:${channel.id}`, 't:t1:u:alice', 't:t1:u:sam', 'platform:u:root'],
      payload: { channelId: channel.id, status: 'RESOLVED' },
    });
  });

  test('an escalation also tells platform staff, and the one it names', () => {
    const deliveries = deliveriesFor(makeEnvelope('channel.escalated', 't1', actor, { channel: { ...channel, status: 'ESCALATED' }, escalatedTo: 'root', reason: 'r', automatic: true }));
    assert.deepEqual(deliveries.map((delivery) => delivery.event), ['channel_escalated', 'channel_status_changed']);
    assert.deepEqual(deliveries[0]!.rooms, [`t:t1:c:${channel.id}`, 'platform:super_admins', 'platform:u:root']);
  });

  test('rooms carry the tenant of the resource, and events without a socket counterpart send nothing', () => {
    const note = { id: channel.id, channelId: channel.id, tenantId: 't9', seq: 1, authorId: 'sam', content: 'x', createdAt: 'now' };
    assert.deepEqual(deliveriesFor(makeEnvelope('note.created', 't9', actor, { note }))[0]!.rooms, [`t:t9:c:${channel.id}:staff`]);
    assert.deepEqual(deliveriesFor(makeEnvelope('ticket.sla_breached', 't1', actor, { ticketId: channel.id, channelId: channel.id, kind: 'FIRST_RESPONSE', dueAt: 'now' })), []);
  });

  test('membership: the channel is announced to its members on creation, to the one added, and its leaving to the one removed', () => {
    const joined = { event: 'channel_joined', payload: { channelId: channel.id, tenantId: 't1' } };
    assert.deepEqual(deliveriesFor(makeEnvelope('channel.created', 't1', actor, { channel, ticket: null, metadata: null })), [
      { ...joined, rooms: ['t:t1:u:alice', 't:t1:u:sam', 'platform:u:root'] },
    ]);
    assert.deepEqual(deliveriesFor(makeEnvelope('channel.participant_added', 't1', actor, { channel, userId: 'sam' })), [{ ...joined, rooms: ['t:t1:u:sam'] }]);
    assert.deepEqual(deliveriesFor(makeEnvelope('channel.participant_added', 't1', actor, { channel, userId: 'root' })), [{ ...joined, rooms: ['platform:u:root'] }]);
    const without = { ...channel, participants: channel.participants.filter((participant) => participant.userId !== 'sam') };
    assert.deepEqual(deliveriesFor(makeEnvelope('channel.participant_removed', 't1', actor, { channel: without, userId: 'sam' })), [
      { event: 'channel_left', rooms: ['t:t1:u:sam'], payload: { channelId: channel.id, tenantId: 't1' } },
    ]);
  });

  test('ticket audiences', () => {
    const ticket = { tenantId: 't1', createdBy: 'alice', status: 'OPEN', escalatedTo: null } as Ticket;
    assert.deepEqual(ticketAudience(ticket, false), ['t:t1:staff', 't:t1:u:alice']);
    assert.deepEqual(ticketAudience(ticket, true), ['t:t1:staff', 't:t1:u:alice', 'platform:super_admins']);
    assert.deepEqual(ticketAudience({ ...ticket, status: 'RESOLVED', escalatedTo: 'root' }, false), ['t:t1:staff', 't:t1:u:alice', 'platform:u:root']);
  });
});

describe('rooms on connect', () => {
  test('by role', () => {
    assert.deepEqual(roomsOnConnect({ userId: 'a', tenantId: 't', role: 'PARTICIPANT', name: null }), ['t:t', 't:t:u:a']);
    assert.deepEqual(roomsOnConnect({ userId: 's', tenantId: 't', role: 'MANAGEMENT_TEAM', name: null }), ['t:t', 't:t:u:s', 't:t:staff']);
    assert.deepEqual(roomsOnConnect({ userId: 'r', tenantId: 'platform', role: 'SUPER_ADMIN', name: null }), ['t:platform', 't:platform:u:r', 'platform:super_admins', 'platform:u:r']);
  });
});

describe('typing throttle', () => {
  test('changes go out, repeats at most once per interval', () => {
    const throttle = new TypingThrottle(1_000);
    assert.equal(throttle.admit('c', false, 0), false, 'not typing was never said otherwise');
    assert.equal(throttle.admit('c', true, 0), true);
    assert.equal(throttle.admit('c', true, 500), false);
    assert.equal(throttle.admit('c', true, 1_000), true);
    assert.deepEqual(throttle.typingIn(), ['c']);
    assert.equal(throttle.admit('c', false, 1_100), true);
    assert.equal(throttle.admit('c', false, 1_200), false);
    assert.deepEqual(throttle.typingIn(), []);
  });
});

describe('origins', () => {
  test('configured, own, or none', () => {
    assert.equal(originAllowed(undefined, 'gw:8080', undefined), true);
    assert.equal(originAllowed('http://gw:8080', 'gw:8080', undefined), true);
    assert.equal(originAllowed('https://GW:8080', 'gw:8080', undefined), true);
    assert.equal(originAllowed('https://app.example.com', 'gw:8080', undefined), false);
    assert.equal(originAllowed('https://app.example.com', 'gw:8080', ['https://app.example.com']), true);
    assert.equal(originAllowed('https://app.example.com.evil.io', 'gw:8080', ['https://app.example.com']), false);
    assert.equal(originAllowed('null', 'gw:8080', undefined), false);
  });
});

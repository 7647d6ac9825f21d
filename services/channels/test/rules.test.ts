/** The pure rules: who may take part, the status machine, the list's cursor. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionProblem, mayStartFrom, Refusal, type ChannelStatus, type ChannelType, type Role } from '@chat/contracts';
import { requireStatusFor } from '../src/domain/status.ts';
import { decodeCursor, encodeCursor } from '../src/store/cursor.ts';

describe('admission', () => {
  const admitted = (type: ChannelType, status: ChannelStatus, role: Role | null) => admissionProblem({ type, status }, role) === null;

  it('takes unknown users and tenant staff anywhere', () => {
    for (const type of ['SUPPORT', 'TEAM', 'TOURNAMENT', 'PLATFORM_SUPPORT'] as const) {
      for (const role of [null, 'TENANT_ADMIN', 'MANAGEMENT_TEAM'] as const) assert.equal(admitted(type, 'ACTIVE', role), true, `${role} in ${type}`);
    }
  });

  it('takes platform staff only where the platform may look', () => {
    assert.equal(admitted('SUPPORT', 'ACTIVE', 'SUPER_ADMIN'), false);
    assert.equal(admitted('TEAM', 'RESOLVED', 'SUPER_ADMIN'), false);
    assert.equal(admitted('SUPPORT', 'ESCALATED', 'SUPER_ADMIN'), true);
    assert.equal(admitted('PLATFORM_SUPPORT', 'ACTIVE', 'SUPER_ADMIN'), true);
  });

  it('keeps participants out of staff rooms and platform cases', () => {
    assert.equal(admitted('TEAM', 'ACTIVE', 'PARTICIPANT'), false);
    assert.equal(admitted('PLATFORM_SUPPORT', 'ACTIVE', 'PARTICIPANT'), false);
    assert.equal(admitted('SUPPORT', 'ACTIVE', 'PARTICIPANT'), true);
    assert.equal(admitted('TOURNAMENT', 'ACTIVE', 'PARTICIPANT'), true);
  });
});

describe('status machine', () => {
  it('starts nothing from ARCHIVED, and says so with its own code', () => {
    for (const action of ['escalate', 'assign', 'resolve', 'archive', 'reopen', 'add_participant', 'remove_participant'] as const) {
      assert.equal(mayStartFrom(action, 'ARCHIVED'), false);
      assert.throws(() => requireStatusFor(action, 'ARCHIVED'), (error: unknown) => error instanceof Refusal && error.kind === 'conflict' && error.code === 'CHANNEL_ARCHIVED');
    }
  });

  it('reopens only a resolved channel', () => {
    assert.deepEqual(
      (['ACTIVE', 'ESCALATED', 'RESOLVED', 'ARCHIVED'] as const).filter((status) => mayStartFrom('reopen', status)),
      ['RESOLVED'],
    );
    assert.throws(() => requireStatusFor('resolve', 'RESOLVED'), (error: unknown) => error instanceof Refusal && error.code === 'INVALID_STATUS_TRANSITION');
  });
});

describe('list cursor', () => {
  it('round-trips a position at microsecond precision, as base64url', () => {
    const position = { activityAt: '2026-11-26T09:30:09.123456Z', id: crypto.randomUUID() };
    const cursor = encodeCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor), position);
  });

  it('refuses anything it did not give out', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      'not base64url!',
      Buffer.from('{').toString('base64url'),
      encode(null),
      encode([1, 2]),
      encode({ t: '2026-11-26T09:30:09.123Z', i: crypto.randomUUID() }),
      encode({ t: '2026-13-01T00:00:00.000000Z', i: crypto.randomUUID() }),
      encode({ t: '2026-11-26T09:30:09.123456Z', i: 'x' }),
      encode({ t: '2026-11-26T09:30:09.123456Z' }),
    ];
    for (const cursor of bad) {
      assert.throws(() => decodeCursor(cursor), (error: unknown) => error instanceof Refusal && error.kind === 'invalid' && error.code === 'INVALID_CURSOR', cursor);
    }
  });
});

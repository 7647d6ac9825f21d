/**
 * The whole permission matrix of API.md, cell by cell: every kind of caller × channel type ×
 * action, each on a fresh channel, with the exact status expected. The expectations are written
 * out by hand from the contract, not computed from the functions under test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelType, Role } from '@chat/contracts';
import { uniqueTenant } from '@chat/test-kit';
import { createBody, startChannels, superAdmin, userOf, type ChannelsUnderTest, type TestUser } from './harness.ts';

const TYPES: ChannelType[] = ['SUPPORT', 'TEAM', 'TOURNAMENT', 'PLATFORM_SUPPORT'];

/** Who calls, relative to the channel (created in tenant A, escalated or not). */
type Caller =
  | 'tenantAdmin' // TENANT_ADMIN of A, not taking part
  | 'manager' // MANAGEMENT_TEAM of A, not taking part
  | 'staffMember' // MANAGEMENT_TEAM of A, taking part
  | 'outsider' // PARTICIPANT of A, not taking part
  | 'participantMember' // PARTICIPANT of A, taking part
  | 'superAdmin' // platform staff, not taking part
  | 'otherTenantAdmin' // TENANT_ADMIN of tenant B
  | 'superAdminOnEscalated' // platform staff, the channel escalated beforehand
  | 'otherTenantAdminOnEscalated'; // tenant B's admin, the channel escalated beforehand

const ACTIONS = ['get', 'list', 'add', 'remove', 'leave', 'assign', 'escalate', 'resolve', 'archive'] as const;
type Action = (typeof ACTIONS)[number];

/** Statuses in the order of ACTIONS; for `list`, 200 means "listed" and 0 "not listed". */
type Row = [get: number, list: number, add: number, remove: number, leave: number, assign: number, escalate: number, resolve: number, archive: number];

const HIDDEN: Row = [404, 0, 404, 404, 404, 404, 404, 404, 404];
const STAFF: Row = [200, 200, 200, 200, 200, 200, 200, 200, 403];
const ADMIN: Row = [200, 200, 200, 200, 200, 200, 200, 200, 200];
const MEMBER_PARTICIPANT: Row = [200, 200, 403, 403, 200, 403, 403, 403, 403];
/** Platform staff on an escalated channel: may act, but escalating again is no move (409). */
const PLATFORM_ON_ESCALATED: Row = [200, 200, 200, 200, 200, 200, 409, 200, 200];

const MATRIX: Record<ChannelType, Record<Caller, Row>> = {
  SUPPORT: {
    tenantAdmin: ADMIN,
    manager: STAFF,
    staffMember: STAFF,
    outsider: HIDDEN,
    participantMember: MEMBER_PARTICIPANT,
    superAdmin: HIDDEN,
    otherTenantAdmin: HIDDEN,
    superAdminOnEscalated: PLATFORM_ON_ESCALATED,
    otherTenantAdminOnEscalated: HIDDEN,
  },
  TEAM: {
    tenantAdmin: HIDDEN,
    manager: HIDDEN,
    staffMember: STAFF,
    outsider: HIDDEN,
    participantMember: HIDDEN,
    superAdmin: HIDDEN,
    otherTenantAdmin: HIDDEN,
    superAdminOnEscalated: PLATFORM_ON_ESCALATED,
    otherTenantAdminOnEscalated: HIDDEN,
  },
  TOURNAMENT: {
    tenantAdmin: ADMIN,
    manager: STAFF,
    staffMember: STAFF,
    outsider: HIDDEN,
    participantMember: MEMBER_PARTICIPANT,
    superAdmin: HIDDEN,
    otherTenantAdmin: HIDDEN,
    superAdminOnEscalated: PLATFORM_ON_ESCALATED,
    otherTenantAdminOnEscalated: HIDDEN,
  },
  PLATFORM_SUPPORT: {
    tenantAdmin: HIDDEN,
    manager: HIDDEN,
    staffMember: STAFF,
    outsider: HIDDEN,
    participantMember: MEMBER_PARTICIPANT,
    superAdmin: ADMIN,
    otherTenantAdmin: HIDDEN,
    superAdminOnEscalated: PLATFORM_ON_ESCALATED,
    otherTenantAdminOnEscalated: HIDDEN,
  },
};

/** Who may open which type (201) and who may not (403), whatever tenant they are in. */
const CREATE: Record<Role, Record<ChannelType, number>> = {
  TENANT_ADMIN: { SUPPORT: 201, TEAM: 201, TOURNAMENT: 201, PLATFORM_SUPPORT: 201 },
  MANAGEMENT_TEAM: { SUPPORT: 201, TEAM: 201, TOURNAMENT: 201, PLATFORM_SUPPORT: 403 },
  PARTICIPANT: { SUPPORT: 201, TEAM: 403, TOURNAMENT: 403, PLATFORM_SUPPORT: 403 },
  SUPER_ADMIN: { SUPPORT: 403, TEAM: 403, TOURNAMENT: 403, PLATFORM_SUPPORT: 403 },
};

interface Scene {
  channelId: string;
  caller: TestUser;
  staffMember: TestUser;
  participantMember: TestUser;
}

describe('permission matrix', () => {
  let system: ChannelsUnderTest;
  before(async () => {
    system = await startChannels({ prefix: 'channels_permissions' });
  });
  after(async () => {
    await system?.stop();
  });

  /**
   * A fresh channel of `type` in a fresh tenant: a staff member and a participant take part
   * (the participant added before it was ever seen, as ids are taken as given), optionally
   * escalated, and the caller of the cell.
   */
  async function scene(type: ChannelType, caller: Caller): Promise<Scene> {
    const tenant = uniqueTenant('perm');
    const staffMember = userOf(tenant, 'MANAGEMENT_TEAM', 'staff-member');
    const participantMember = userOf(tenant, 'PARTICIPANT', 'participant-member');
    const seen = await system.as(staffMember).get('/api/chat/channels');
    assert.equal(seen.status, 200);
    let created;
    if (type === 'SUPPORT') {
      created = await system.as(participantMember).post('/api/chat/channels', createBody(type));
    } else if (type === 'PLATFORM_SUPPORT') {
      const creator = userOf(tenant, 'TENANT_ADMIN', 'platform-case-creator');
      created = await system.as(creator).post('/api/chat/channels', createBody(type, { participantIds: [staffMember.userId, participantMember.userId] }));
    } else {
      created = await system.as(staffMember).post('/api/chat/channels', createBody(type, { participantIds: [participantMember.userId] }));
    }
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const channelId: string = created.body.id;
    if (type === 'SUPPORT') {
      const joined = await system.as(staffMember).post(`/api/chat/channels/${channelId}/participants`, { userId: staffMember.userId });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
    }
    if (caller.endsWith('OnEscalated')) {
      const escalated = await system.as(staffMember).put(`/api/chat/channels/${channelId}/escalate`, { reason: 'needs the platform' });
      assert.equal(escalated.status, 200, JSON.stringify(escalated.body));
    }
    const callers: Record<Caller, () => TestUser> = {
      tenantAdmin: () => userOf(tenant, 'TENANT_ADMIN'),
      manager: () => userOf(tenant, 'MANAGEMENT_TEAM'),
      staffMember: () => staffMember,
      outsider: () => userOf(tenant, 'PARTICIPANT', 'outsider'),
      participantMember: () => participantMember,
      superAdmin: () => superAdmin(),
      otherTenantAdmin: () => userOf(uniqueTenant('other'), 'TENANT_ADMIN'),
      superAdminOnEscalated: () => superAdmin(),
      otherTenantAdminOnEscalated: () => userOf(uniqueTenant('other'), 'TENANT_ADMIN'),
    };
    return { channelId, caller: callers[caller](), staffMember, participantMember };
  }

  async function perform(action: Action, { channelId, caller, staffMember, participantMember }: Scene): Promise<number> {
    const client = system.as(caller);
    const path = `/api/chat/channels/${channelId}`;
    switch (action) {
      case 'get':
        return (await client.get(path)).status;
      case 'list': {
        const page = await client.get('/api/chat/channels?limit=200');
        assert.equal(page.status, 200);
        return page.body.items.some((item: { id: string }) => item.id === channelId) ? 200 : 0;
      }
      case 'add':
        return (await client.post(`${path}/participants`, { userId: `newcomer-${crypto.randomUUID()}` })).status;
      case 'remove': {
        // Someone else: the participant, or (when the participant calls) the staff member.
        const other = caller.userId === participantMember.userId ? staffMember : participantMember;
        return (await client.delete(`${path}/participants/${other.userId}`)).status;
      }
      case 'leave':
        return (await client.delete(`${path}/participants/${caller.userId}`)).status;
      case 'assign':
        return (await client.put(`${path}/assign`, { assigneeId: staffMember.userId })).status;
      case 'escalate':
        return (await client.put(`${path}/escalate`, { reason: 'over my head' })).status;
      case 'resolve':
        return (await client.put(`${path}/resolve`, { resolution: 'done' })).status;
      case 'archive':
        return (await client.delete(path)).status;
    }
  }

  for (const type of TYPES) {
    describe(type, () => {
      for (const [caller, row] of Object.entries(MATRIX[type]) as [Caller, Row][]) {
        it(`${caller}: ${ACTIONS.map((action, index) => `${action} ${row[index]}`).join(', ')}`, async () => {
          const actual: Record<string, number> = {};
          const expected: Record<string, number> = {};
          for (const [index, action] of ACTIONS.entries()) {
            expected[action] = row[index] as number;
            actual[action] = await perform(action, await scene(type, caller));
          }
          assert.deepEqual(actual, expected);
        });
      }
    });
  }

  describe('create', () => {
    for (const [role, byType] of Object.entries(CREATE) as [Role, Record<ChannelType, number>][]) {
      it(`${role}: ${TYPES.map((type) => `${type} ${byType[type]}`).join(', ')}`, async () => {
        const caller = role === 'SUPER_ADMIN' ? superAdmin() : userOf(uniqueTenant('create'), role);
        const actual: Record<string, number> = {};
        for (const type of TYPES) actual[type] = (await system.as(caller).post('/api/chat/channels', createBody(type))).status;
        assert.deepEqual(actual, byType);
      });
    }

    it('refuses (403) a participant adding others when creating; itself is fine', async () => {
      const tenant = uniqueTenant('create');
      const customer = userOf(tenant, 'PARTICIPANT');
      const friend = userOf(tenant, 'PARTICIPANT');
      const withFriend = await system.as(customer).post('/api/chat/channels', createBody('SUPPORT', { participantIds: [friend.userId] }));
      assert.equal(withFriend.status, 403);
      const teamByParticipant = await system.as(customer).post('/api/chat/channels', createBody('TEAM', { participantIds: [friend.userId] }));
      assert.equal(teamByParticipant.status, 403);
      const withSelf = await system.as(customer).post('/api/chat/channels', createBody('SUPPORT', { participantIds: [customer.userId] }));
      assert.equal(withSelf.status, 201);
      assert.deepEqual(withSelf.body.participants.map((p: { userId: string }) => p.userId), [customer.userId]);
    });
  });

  describe('another tenant, and platform staff, before and after escalation', () => {
    it('sees nothing of tenant A until escalation, then platform staff (only) see it', async () => {
      const tenant = uniqueTenant('esc');
      const customer = userOf(tenant, 'PARTICIPANT');
      const manager = userOf(tenant, 'MANAGEMENT_TEAM');
      const stranger = userOf(uniqueTenant('stranger'), 'TENANT_ADMIN');
      const platform = superAdmin();
      const created = await system.as(customer).post('/api/chat/channels', createBody('SUPPORT'));
      const path = `/api/chat/channels/${created.body.id}`;
      const listedTo = async (user: TestUser) =>
        (await system.as(user).get('/api/chat/channels?limit=200')).body.items.some((item: { id: string }) => item.id === created.body.id);

      assert.equal((await system.as(stranger).get(path)).status, 404);
      assert.equal((await system.as(platform).get(path)).status, 404);
      assert.equal(await listedTo(stranger), false);
      assert.equal(await listedTo(platform), false);

      assert.equal((await system.as(manager).put(`${path}/escalate`, { reason: 'stuck' })).status, 200);

      assert.equal((await system.as(stranger).get(path)).status, 404);
      assert.equal(await listedTo(stranger), false);
      assert.equal((await system.as(platform).get(path)).status, 200);
      assert.equal(await listedTo(platform), true);

      // Resolved, it leaves the platform's view again, unless platform staff took part.
      assert.equal((await system.as(manager).put(`${path}/resolve`, {})).status, 200);
      assert.equal((await system.as(platform).get(path)).status, 404);
      assert.equal(await listedTo(platform), false);
    });
  });
});

/**
 * The lifecycle of a channel: the status machine (409 for moves it cannot make), escalation and
 * the platform taking a case, assignment, who may take part, leaving, archived channels being
 * read-only, and the owner's answer for read-your-writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelStatus } from '@chat/contracts';
import { createBody, startChannels, superAdmin, tenantCast, userOf, type ChannelsUnderTest, type TestUser } from './harness.ts';

const ACTIONS = ['escalate', 'assign', 'resolve', 'archive', 'add', 'remove', 'leave'] as const;
type Action = (typeof ACTIONS)[number];

/** From each status, what each action answers (a tenant admin acting; `leave`: the customer). */
const MOVES: Record<ChannelStatus, Record<Action, number>> = {
  ACTIVE: { escalate: 200, assign: 200, resolve: 200, archive: 200, add: 200, remove: 200, leave: 200 },
  ESCALATED: { escalate: 409, assign: 200, resolve: 200, archive: 200, add: 200, remove: 200, leave: 200 },
  RESOLVED: { escalate: 409, assign: 409, resolve: 409, archive: 200, add: 200, remove: 200, leave: 200 },
  ARCHIVED: { escalate: 409, assign: 409, resolve: 409, archive: 409, add: 409, remove: 409, leave: 409 },
};

const ids = (channel: { participants: { userId: string }[] }) => channel.participants.map((participant) => participant.userId);

describe('channel lifecycle', () => {
  let system: ChannelsUnderTest;
  before(async () => {
    system = await startChannels({ prefix: 'channels_lifecycle' });
  });
  after(async () => {
    await system?.stop();
  });

  /** Makes users known, as a call with their token does. */
  async function seen(...users: TestUser[]) {
    for (const user of users) assert.equal((await system.as(user).get('/api/chat/channels')).status, 200);
  }

  async function supportChannel(cast: ReturnType<typeof tenantCast>, status: ChannelStatus = 'ACTIVE'): Promise<string> {
    const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
    assert.equal(created.status, 201);
    const path = `/api/chat/channels/${created.body.id}`;
    assert.equal((await system.as(cast.admin).post(`${path}/participants`, { userId: cast.manager.userId })).status, 200);
    const moves: Record<ChannelStatus, () => Promise<{ status: number }>> = {
      ACTIVE: async () => ({ status: 200 }),
      ESCALATED: () => system.as(cast.admin).put(`${path}/escalate`, { reason: 'r' }),
      RESOLVED: () => system.as(cast.admin).put(`${path}/resolve`, {}),
      ARCHIVED: () => system.as(cast.admin).delete(path),
    };
    assert.equal((await moves[status]()).status, 200);
    return created.body.id;
  }

  describe('the status machine', () => {
    for (const [status, answers] of Object.entries(MOVES) as [ChannelStatus, Record<Action, number>][]) {
      it(`from ${status}: ${ACTIONS.map((action) => `${action} ${answers[action]}`).join(', ')}`, async () => {
        const actual: Record<string, number> = {};
        for (const action of ACTIONS) {
          const cast = tenantCast();
          await seen(cast.manager);
          const path = `/api/chat/channels/${await supportChannel(cast, status)}`;
          const calls: Record<Action, () => Promise<{ status: number }>> = {
            escalate: () => system.as(cast.admin).put(`${path}/escalate`, { reason: 'again' }),
            assign: () => system.as(cast.admin).put(`${path}/assign`, { assigneeId: cast.manager.userId }),
            resolve: () => system.as(cast.admin).put(`${path}/resolve`, { resolution: 'fixed' }),
            archive: () => system.as(cast.admin).delete(path),
            add: () => system.as(cast.admin).post(`${path}/participants`, { userId: 'newcomer' }),
            remove: () => system.as(cast.admin).delete(`${path}/participants/${cast.manager.userId}`),
            leave: () => system.as(cast.customer).delete(`${path}/participants/${cast.customer.userId}`),
          };
          const before = (await system.as(cast.admin).get(path)).body;
          actual[action] = (await calls[action]()).status;
          if (actual[action] === 409) assert.deepEqual((await system.as(cast.admin).get(path)).body, before, 'a refused move changes nothing');
        }
        assert.deepEqual(actual, answers);
      });
    }

    it('keeps an archived channel readable', async () => {
      const cast = tenantCast();
      await seen(cast.manager);
      const path = `/api/chat/channels/${await supportChannel(cast, 'ARCHIVED')}`;
      const read = await system.as(cast.customer).get(path);
      assert.equal(read.status, 200);
      assert.equal(read.body.status, 'ARCHIVED');
      const refused = await system.as(cast.admin).put(`${path}/resolve`, {});
      assert.equal(refused.body.error.code, 'CHANNEL_ARCHIVED');
    });
  });

  describe('escalation', () => {
    it('makes the platform admin it names a participant and escalatedTo', async () => {
      const cast = tenantCast();
      const platform = superAdmin();
      await seen(cast.manager, platform);
      const path = `/api/chat/channels/${await supportChannel(cast)}`;
      const escalated = await system.as(cast.manager).put(`${path}/escalate`, { reason: 'platform bug', escalateTo: platform.userId });
      assert.equal(escalated.status, 200);
      assert.equal(escalated.body.status, 'ESCALATED');
      assert.equal(escalated.body.escalatedTo, platform.userId);
      assert.deepEqual(
        escalated.body.participants.find((participant: { userId: string }) => participant.userId === platform.userId)?.role,
        'SUPER_ADMIN',
      );
    });

    it('lets platform staff take an escalated case by escalating to themselves, and nothing else', async () => {
      const cast = tenantCast();
      const taker = superAdmin('taker');
      const colleague = superAdmin('colleague');
      await seen(cast.manager, taker, colleague);
      const path = `/api/chat/channels/${await supportChannel(cast, 'ESCALATED')}`;
      assert.equal((await system.as(taker).put(`${path}/escalate`, { reason: 'mine' })).status, 409);
      assert.equal((await system.as(taker).put(`${path}/escalate`, { reason: 'yours', escalateTo: colleague.userId })).status, 409);
      assert.equal((await system.as(cast.manager).put(`${path}/escalate`, { reason: 'again', escalateTo: taker.userId })).status, 409);
      const taken = await system.as(taker).put(`${path}/escalate`, { reason: 'I take it', escalateTo: taker.userId });
      assert.equal(taken.status, 200);
      assert.equal(taken.body.escalatedTo, taker.userId);
      assert.ok(ids(taken.body).includes(taker.userId));
      const again = await system.as(taker).put(`${path}/escalate`, { reason: 'still mine', escalateTo: taker.userId });
      assert.equal(again.status, 200);
      assert.equal(again.body.updatedAt, taken.body.updatedAt, 'taking a case one holds changes nothing');
      // Taking part, the platform admin still sees the case once it is resolved.
      assert.equal((await system.as(cast.manager).put(`${path}/resolve`, {})).status, 200);
      assert.equal((await system.as(taker).get(path)).status, 200);
      assert.equal((await system.as(colleague).get(path)).status, 404);
    });
  });

  describe('assignment', () => {
    it('assigns staff of the tenant, who becomes a participant', async () => {
      const cast = tenantCast();
      await seen(cast.manager);
      const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
      const path = `/api/chat/channels/${created.body.id}`;
      const assigned = await system.as(cast.admin).put(`${path}/assign`, { assigneeId: cast.manager.userId });
      assert.equal(assigned.status, 200);
      assert.equal(assigned.body.assignedTo, cast.manager.userId);
      assert.ok(ids(assigned.body).includes(cast.manager.userId));
    });

    it('refuses platform staff and another tenant\'s staff as assignees (400)', async () => {
      const cast = tenantCast();
      const platform = superAdmin();
      const foreignStaff = userOf('some-other-tenant', 'TENANT_ADMIN');
      await seen(cast.manager, platform, foreignStaff);
      const path = `/api/chat/channels/${await supportChannel(cast)}`;
      const toPlatform = await system.as(cast.admin).put(`${path}/assign`, { assigneeId: platform.userId });
      assert.equal(toPlatform.status, 400);
      assert.equal(toPlatform.body.error.code, 'ASSIGNEE_NOT_STAFF');
      const toForeign = await system.as(cast.admin).put(`${path}/assign`, { assigneeId: foreignStaff.userId });
      assert.equal(toForeign.status, 400);
      assert.equal(toForeign.body.error.code, 'UNKNOWN_USER');
    });
  });

  describe('who takes part', () => {
    it('admits platform staff only where the platform may look', async () => {
      const cast = tenantCast();
      const platform = superAdmin();
      await seen(cast.manager, platform);
      const path = `/api/chat/channels/${await supportChannel(cast)}`;
      const early = await system.as(cast.admin).post(`${path}/participants`, { userId: platform.userId });
      assert.equal(early.status, 400);
      assert.equal(early.body.error.code, 'USER_NOT_ADMISSIBLE');
      assert.equal((await system.as(platform).get(path)).status, 404);
      const platformCase = await system.as(cast.admin).post('/api/chat/channels', createBody('PLATFORM_SUPPORT', { participantIds: [platform.userId] }));
      assert.equal(platformCase.status, 201);
      assert.ok(ids(platformCase.body).includes(platform.userId));
    });

    it('keeps known participants out of TEAM channels', async () => {
      const cast = tenantCast();
      await seen(cast.customer);
      const team = await system.as(cast.admin).post('/api/chat/channels', createBody('TEAM'));
      const added = await system.as(cast.admin).post(`/api/chat/channels/${team.body.id}/participants`, { userId: cast.customer.userId });
      assert.equal(added.status, 400);
      assert.equal(added.body.error.code, 'USER_NOT_ADMISSIBLE');
    });

    it('shows a participant\'s role and name once seen, null until then, to everyone in the channel', async () => {
      const cast = tenantCast();
      const newcomer = userOf(cast.tenantId, 'MANAGEMENT_TEAM', 'newcomer');
      const team = await system.as(cast.admin).post('/api/chat/channels', createBody('TEAM', { participantIds: [newcomer.userId] }));
      const seenAs = (channel: { participants: { userId: string; role: string | null; name: string | null }[] }) => {
        const participant = channel.participants.find((candidate) => candidate.userId === newcomer.userId);
        return [participant?.role, participant?.name];
      };
      assert.deepEqual(seenAs(team.body), [null, null]);
      const asSeenByNewcomer = await system.as(newcomer).get(`/api/chat/channels/${team.body.id}`);
      assert.equal(asSeenByNewcomer.status, 200);
      assert.deepEqual(seenAs(asSeenByNewcomer.body), ['MANAGEMENT_TEAM', newcomer.name]);
      assert.deepEqual(seenAs((await system.as(cast.admin).get(`/api/chat/channels/${team.body.id}`)).body), ['MANAGEMENT_TEAM', newcomer.name]);
    });

    it('lets a participant leave, after which it no longer sees the channel', async () => {
      const cast = tenantCast();
      const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
      const path = `/api/chat/channels/${created.body.id}`;
      const left = await system.as(cast.customer).delete(`${path}/participants/${cast.customer.userId}`);
      assert.equal(left.status, 200);
      assert.deepEqual(ids(left.body), []);
      assert.equal((await system.as(cast.customer).get(path)).status, 404);
    });

    it('answers a removal of someone not taking part with the unchanged channel', async () => {
      const cast = tenantCast();
      const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
      const removed = await system.as(cast.admin).delete(`/api/chat/channels/${created.body.id}/participants/nobody`);
      assert.equal(removed.status, 200);
      assert.equal(removed.body.updatedAt, created.body.updatedAt);
    });
  });

  describe('read-your-writes: GET /internal/channels/:id', () => {
    it('answers the snapshot to whoever may see the channel, 404 to anyone else, 401 without a token', async () => {
      const cast = tenantCast();
      const platform = superAdmin();
      await seen(cast.manager);
      const created = await system.as(cast.customer).post('/api/chat/channels', createBody('SUPPORT'));
      const internal = `/internal/channels/${created.body.id}`;
      const snapshot = await system.as(cast.customer).get(internal);
      assert.equal(snapshot.status, 200);
      assert.equal(snapshot.body.revision, 1);
      assert.deepEqual(snapshot.body.participants, [{ userId: cast.customer.userId, role: 'PARTICIPANT' }]);
      assert.equal((await system.as(null).get(internal)).status, 401);
      assert.equal((await system.as(userOf('elsewhere', 'TENANT_ADMIN')).get(internal)).status, 404);
      assert.equal((await system.as(cast.otherCustomer).get(internal)).status, 404);
      assert.equal((await system.as(platform).get(internal)).status, 404);
      assert.equal((await system.as(cast.manager).get('/internal/channels/not-a-uuid')).status, 404);

      await system.as(cast.admin).put(`/api/chat/channels/${created.body.id}/assign`, { assigneeId: cast.manager.userId });
      const assigned = await system.as(cast.manager).get(internal);
      assert.equal(assigned.body.revision, 2);
      assert.equal(assigned.body.assignedTo, cast.manager.userId);

      await system.as(cast.manager).put(`/api/chat/channels/${created.body.id}/escalate`, { reason: 'r' });
      const escalated = await system.as(platform).get(internal);
      assert.equal(escalated.status, 200);
      assert.equal(escalated.body.status, 'ESCALATED');
      assert.equal(escalated.body.revision, 3);

      await system.as(cast.customer).delete(`/api/chat/channels/${created.body.id}/participants/${cast.customer.userId}`);
      assert.equal((await system.as(cast.customer).get(internal)).status, 404);
    });
  });
});

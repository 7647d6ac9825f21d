/**
 * The list's SQL and `canSeeChannel` (contracts) must agree on every channel and every caller:
 * random channels of two tenants, random memberships, every kind of caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { canSeeChannel, ChannelStatus, ChannelType, type Principal, type Role } from '@chat/contracts';
import type { Database } from '@chat/database';
import { openDatabase } from '@chat/database';
import { silentLogger } from '@chat/telemetry';
import { createTestDatabase, type TestDatabase } from '@chat/test-kit';
import { listVisibleChannels } from '../src/store/list-query.ts';
import { channelsService } from '../src/service.ts';

const USERS = ['u0', 'u1', 'u2', 'u3'] as const;
const PLATFORM_USER = 'u-platform';
const ROLES: Role[] = ['TENANT_ADMIN', 'MANAGEMENT_TEAM', 'PARTICIPANT'];

const channelArbitrary = fc.record({
  tenant: fc.constantFrom(0, 1),
  type: fc.constantFrom(...ChannelType.options),
  status: fc.constantFrom(...ChannelStatus.options),
  participants: fc.subarray([...USERS, PLATFORM_USER]),
});

describe('list visibility agrees with canSeeChannel', () => {
  let database: TestDatabase;
  let db: Database;
  before(async () => {
    database = await createTestDatabase('channels_visibility');
    db = await openDatabase({ url: database.url, service: 'channels', migrations: channelsService.migrations, logger: silentLogger() });
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('for random channels and every caller', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(channelArbitrary, { minLength: 1, maxLength: 12 }), async (drawn) => {
        // Each run has tenants and users of its own, so runs never see each other's channels.
        const run = crypto.randomUUID().slice(0, 8);
        const tenants = [`a-${run}`, `b-${run}`];
        const userId = (name: string) => `${name}-${run}`;
        const channels = drawn.map((channel) => ({
          id: crypto.randomUUID(),
          tenantId: tenants[channel.tenant]!,
          type: channel.type,
          status: channel.status,
          participants: channel.participants.map((name) => ({ userId: userId(name) })),
        }));
        for (const channel of channels) {
          await db.inTenant(channel.tenantId, async (tx) => {
            await tx.execute(`INSERT INTO channels (id, tenant_id, type, status, created_by) VALUES ($1, $2, $3, $4, 'creator')`, [
              channel.id,
              channel.tenantId,
              channel.type,
              channel.status,
            ]);
            for (const { userId: member } of channel.participants) {
              await tx.execute(`INSERT INTO participants (channel_id, tenant_id, user_id) VALUES ($1, $2, $3)`, [channel.id, channel.tenantId, member]);
            }
          });
        }
        const callers: Principal[] = [
          { userId: userId(PLATFORM_USER), tenantId: 'platform', role: 'SUPER_ADMIN', name: null },
          ...tenants.flatMap((tenantId) => USERS.flatMap((name) => ROLES.map((role) => ({ userId: userId(name), tenantId, role, name: null })))),
        ];
        const ours = new Set<string>(channels.map((channel) => channel.id));
        for (const caller of callers) {
          const page =
            caller.role === 'SUPER_ADMIN'
              ? await db.acrossTenants((tx) => listVisibleChannels(tx, caller, {}, null, 200))
              : await db.inTenant(caller.tenantId, (tx) => listVisibleChannels(tx, caller, {}, null, 200));
          const listed = page.items.map((item) => item.record.id).filter((id) => ours.has(id)).sort();
          const expected = channels.filter((channel) => canSeeChannel(caller, channel)).map((channel) => channel.id).sort();
          assert.deepEqual(listed, expected, `${caller.role} ${caller.userId} of ${caller.tenantId}`);
        }
      }),
      { numRuns: 40 },
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { redisUrl, uniqueTenant } from '@chat/test-kit';
import { RedisPresenceStore } from '../src/store/presence.ts';

/** Presence across replicas, on real Redis: counts per replica, and a dead replica fading out. */
describe('Redis presence', () => {
  let redis: Redis;
  const keyPrefix = `test-presence-${crypto.randomUUID().slice(0, 8)}`;
  const tenant = uniqueTenant('presence');
  const store = (replicaId: string, ttlMs = 60_000) => new RedisPresenceStore({ redis, keyPrefix, replicaId, ttlMs });

  before(() => {
    redis = new Redis(redisUrl());
  });

  after(async () => {
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('online on the first socket anywhere, offline after the last one anywhere', async () => {
    const a = store('a');
    const b = store('b');
    assert.equal(await a.connected(tenant, 'ü:ser'), true);
    assert.equal(await a.connected(tenant, 'ü:ser'), false);
    assert.equal(await b.connected(tenant, 'ü:ser'), false);
    assert.deepEqual([...(await b.online(tenant))], ['ü:ser']);
    assert.deepEqual([...(await b.online(uniqueTenant('other')))], []);
    assert.equal(await a.disconnected(tenant, 'ü:ser'), false);
    assert.equal(await a.disconnected(tenant, 'ü:ser'), false, 'still on replica b');
    assert.equal(await b.disconnected(tenant, 'ü:ser'), true);
    assert.deepEqual([...(await a.online(tenant, ['ü:ser', 'x']))], []);
  });

  test("a replica that dies without a word: its users fade out, announced once", async () => {
    const dying = store('dying', 300);
    const alive = store('alive', 300);
    await dying.connected(tenant, 'ghost');
    await dying.connected(tenant, 'shared');
    await alive.connected(tenant, 'shared');
    assert.deepEqual(new Set(await alive.online(tenant)), new Set(['ghost', 'shared']));
    // `dying` stops renewing; `alive` keeps beating.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(await alive.heartbeat(), []);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const gone = await alive.heartbeat();
    assert.deepEqual(gone, [{ tenantId: tenant, userId: 'ghost' }]);
    assert.deepEqual(await alive.heartbeat(), [], 'announced once');
    assert.deepEqual([...(await alive.online(tenant))], ['shared']);
  });

  test('a heartbeat keeps every user of a replica alive, however many (its claims go in pipelines)', async () => {
    // Its own keys: the sweep would otherwise also announce what the tests before left to fade.
    const busy = new RedisPresenceStore({ redis, keyPrefix: `${keyPrefix}:crowd`, replicaId: 'busy', ttlMs: 400 });
    const crowd = uniqueTenant('crowd');
    const users = Array.from({ length: 1_201 }, (_, index) => `user-${index}`);
    for (const userId of users) await busy.connected(crowd, userId);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(await busy.heartbeat(), []);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(await busy.heartbeat(), [], 'renewed before they expired');
    assert.equal((await busy.online(crowd)).size, users.length);
    await redis.script('FLUSH');
    assert.deepEqual(await busy.heartbeat(), [], 'scripts Redis forgot are sent again');
    assert.equal((await busy.online(crowd)).size, users.length);
    await busy.withdraw();
  });

  test('withdrawing a replica answers the users it took offline', async () => {
    const leaving = store('leaving');
    const staying = store('staying');
    await leaving.connected(tenant, 'w1');
    await leaving.connected(tenant, 'w2');
    await staying.connected(tenant, 'w2');
    assert.deepEqual(await leaving.withdraw(), [{ tenantId: tenant, userId: 'w1' }]);
    assert.deepEqual(new Set(await staying.online(tenant, ['w1', 'w2'])), new Set(['w2']));
  });
});

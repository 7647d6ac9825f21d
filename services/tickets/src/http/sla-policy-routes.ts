import { PutSlaPolicyBody } from '@chat/contracts';
import type { Database } from '@chat/database';
import { authenticate, parseBody, principalOf, requireRole } from '@chat/http-kit';
import type { Router } from 'express';
import { loadSlaPolicy, saveSlaTargets } from '../store/sla-policies.ts';

/**
 * A tenant's SLA targets: its staff read them, its admins set them. They apply to tickets opened
 * (or reprioritised, or reopened) from then on; a promise already made keeps its due time.
 * Platform staff belong to no tenant and have no policy here.
 */
export function mountSlaPolicyRoutes(router: Router, db: Database): void {
  router.get('/sla-policy', authenticate(), requireRole('TENANT_ADMIN', 'MANAGEMENT_TEAM'), async (req, res) => {
    const principal = principalOf(req);
    res.json(await db.inTenant(principal.tenantId, (tx) => loadSlaPolicy(tx)));
  });

  router.put('/sla-policy', authenticate(), requireRole('TENANT_ADMIN'), async (req, res) => {
    const principal = principalOf(req);
    const { targets } = parseBody(PutSlaPolicyBody, req);
    const policy = await db.inTenant(principal.tenantId, async (tx) => {
      await saveSlaTargets(tx, targets, principal.userId, new Date());
      return loadSlaPolicy(tx);
    });
    res.json(policy);
  });
}

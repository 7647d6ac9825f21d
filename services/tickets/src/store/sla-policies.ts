import type { SlaPolicy, SlaTargets, TicketPriority } from '@chat/contracts';
import type { TenantTx } from '@chat/database';
import { DEFAULT_SLA_TARGETS } from '../domain/sla.ts';

interface PolicyRow {
  priority: TicketPriority;
  first_response_minutes: number;
  resolution_minutes: number;
  updated_at: Date;
  updated_by: string;
}

/** The transaction tenant's policy; priorities it never set run on the defaults. */
export async function loadSlaPolicy(tx: TenantTx): Promise<SlaPolicy> {
  const rows = await tx.query<PolicyRow>(
    `SELECT priority, first_response_minutes, resolution_minutes, updated_at, updated_by FROM sla_policies WHERE tenant_id = $1`,
    [tx.tenantId],
  );
  const targets: SlaTargets = structuredClone(DEFAULT_SLA_TARGETS);
  let latest: PolicyRow | undefined;
  for (const row of rows) {
    targets[row.priority] = { firstResponseMinutes: row.first_response_minutes, resolutionMinutes: row.resolution_minutes };
    if (!latest || row.updated_at > latest.updated_at) latest = row;
  }
  return { tenantId: tx.tenantId, targets, updatedAt: latest?.updated_at.toISOString() ?? null, updatedBy: latest?.updated_by ?? null };
}

export async function loadSlaTargets(tx: TenantTx): Promise<SlaTargets> {
  return (await loadSlaPolicy(tx)).targets;
}

export async function saveSlaTargets(tx: TenantTx, targets: SlaTargets, by: string, at: Date): Promise<void> {
  const priorities = Object.keys(targets) as TicketPriority[];
  await tx.execute(
    `INSERT INTO sla_policies (tenant_id, priority, first_response_minutes, resolution_minutes, updated_at, updated_by)
     SELECT $1, priority, first_response, resolution, $5, $6
       FROM unnest($2::text[], $3::float8[], $4::float8[]) AS t(priority, first_response, resolution)
     ON CONFLICT (tenant_id, priority) DO UPDATE
       SET first_response_minutes = EXCLUDED.first_response_minutes,
           resolution_minutes = EXCLUDED.resolution_minutes,
           updated_at = EXCLUDED.updated_at,
           updated_by = EXCLUDED.updated_by`,
    [
      tx.tenantId,
      priorities,
      priorities.map((priority) => targets[priority].firstResponseMinutes),
      priorities.map((priority) => targets[priority].resolutionMinutes),
      at,
      by,
    ],
  );
}

import type { CannedResponse } from '@chat/contracts';
import type { TenantTx } from '@chat/database';

const COLUMNS = 'id, tenant_id, title, text, shortcut, created_by, created_at, updated_at';

interface CannedResponseRow {
  id: string;
  tenant_id: string;
  title: string;
  text: string;
  shortcut: string;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

function toCannedResponse(row: CannedResponseRow): CannedResponse {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    text: row.text,
    shortcut: row.shortcut,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function listCannedResponses(tx: TenantTx): Promise<CannedResponse[]> {
  const rows = await tx.query<CannedResponseRow>(`SELECT ${COLUMNS} FROM canned_responses WHERE tenant_id = $1 ORDER BY lower(shortcut)`, [tx.tenantId]);
  return rows.map(toCannedResponse);
}

export async function lockCannedResponse(tx: TenantTx, id: string): Promise<CannedResponse | null> {
  const [row] = await tx.query<CannedResponseRow>(`SELECT ${COLUMNS} FROM canned_responses WHERE id = $1 AND tenant_id = $2 FOR UPDATE`, [id, tx.tenantId]);
  return row ? toCannedResponse(row) : null;
}

/** Inserts or rewrites one; a shortcut the tenant already uses fails with a unique violation. */
export async function saveCannedResponse(tx: TenantTx, response: CannedResponse): Promise<void> {
  await tx.execute(
    `INSERT INTO canned_responses (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, text = EXCLUDED.text, shortcut = EXCLUDED.shortcut, updated_at = EXCLUDED.updated_at`,
    [response.id, tx.tenantId, response.title, response.text, response.shortcut, response.createdBy, response.createdAt, response.updatedAt],
  );
}

export async function deleteCannedResponse(tx: TenantTx, id: string): Promise<boolean> {
  return (await tx.execute(`DELETE FROM canned_responses WHERE id = $1 AND tenant_id = $2`, [id, tx.tenantId])) === 1;
}

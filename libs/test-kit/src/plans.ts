/** One node of PostgreSQL's `EXPLAIN (ANALYZE, FORMAT JSON)` plan, with what the plan tests read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  /** Index scans name their index; a bitmap index scan names no table. */
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** A statement as the services' query builders give it. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs `statement` under EXPLAIN ANALYZE through `query`, which must run it as the service would
 * (its role, in its tenant or cross-tenant scope: row-level security changes the plan), and
 * answers every node of the plan, the root first.
 */
export async function explainAnalyze(query: (sql: string, params: unknown[]) => Promise<unknown[]>, { sql, params }: Statement): Promise<PlanNode[]> {
  const [row] = (await query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
  if (!row) throw new Error('EXPLAIN answered no plan');
  return nodesOf(row['QUERY PLAN'][0].Plan);
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

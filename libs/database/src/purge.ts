import type { DataSource } from 'typeorm';

/** Rows removed per statement, so a purge never holds many locks or one long transaction. */
const PURGE_BATCH = 5_000;

/**
 * Deletes, in batches, the rows of `table` whose `column` is older than `olderThanMs`. `key` is
 * the table's primary key columns. Table and column names are the kit's own constants.
 */
export async function purgeOlderThan(
  dataSource: DataSource,
  target: { table: string; column: string; key: string[] },
  olderThanMs: number,
): Promise<number> {
  const key = target.key.join(', ');
  const sql = `
    DELETE FROM ${target.table} WHERE (${key}) IN (
      SELECT ${key} FROM ${target.table}
       WHERE ${target.column} < now() - $1::bigint * interval '1 millisecond'
       LIMIT ${PURGE_BATCH})`;
  let total = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(sql, [Math.floor(olderThanMs)])) as [unknown, number];
    total += deleted;
    if (deleted < PURGE_BATCH) return total;
  }
}

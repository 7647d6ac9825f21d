import pg from 'pg';
import { asDatabaseError, sqlStateOf } from './errors.ts';

/** Another session created the same database between our check and our CREATE. */
const ALREADY_CREATED = new Set(['42P04', '23505']);
/** CREATE DATABASE copies template1 and refuses while another session is copying or using it. */
const TEMPLATE_BUSY = '55006';
const ATTEMPTS = 5;

/**
 * Creates database `name` on the server of `adminUrl` unless it exists; safe when several
 * processes ask at once. Used by the one-process run, which keeps each service's database on one
 * server.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A dropped connection also rejects the pending query, which is where it is reported.
  client.on('error', () => undefined);
  try {
    await client.connect();
    for (let attempt = 1; ; attempt++) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        return;
      } catch (err) {
        const state = sqlStateOf(err);
        if (state && ALREADY_CREATED.has(state)) return;
        if (state === TEMPLATE_BUSY && attempt < ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    throw asDatabaseError(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** PostgreSQL for tests: the machine's, or the server `DATABASE_URL` names (its database is the admin one). */
export function postgresAdminUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  /** Connection URL of the new database (same server and user as the admin URL). */
  url: string;
  name: string;
  /** Terminates the database's connections and drops it; safe to call twice. */
  drop(): Promise<void>;
}

/** PostgreSQL identifiers are cut at 63 bytes. */
const MAX_NAME = 63;

function uniqueName(prefix: string): string {
  const stem = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'test';
  const suffix = `_${process.pid}_${randomBytes(4).toString('hex')}`;
  return stem.slice(0, MAX_NAME - suffix.length) + suffix;
}

async function asAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A dropped connection also rejects the pending query, which is where it is reported.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a fresh, uniquely named database on the test server. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = postgresAdminUrl();
  const name = uniqueName(prefix);
  const quoted = pg.escapeIdentifier(name);
  await asAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${quoted}`));
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await asAdmin(adminUrl, async (client) => {
        // A pool's end() resolves before its sessions are gone; terminating them under it would
        // crash the test process with an unhandled error, so give them a moment to leave first.
        for (let waited = 0; waited < 3_000; waited += 50) {
          const { rows } = await client.query<{ sessions: number }>('SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0]?.sessions === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // FORCE terminates the sessions still connected, including pools a failed test left open.
        await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
      });
    },
  };
}

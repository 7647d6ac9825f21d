import pg from 'pg';
import type { QueryRunner } from 'typeorm';

/**
 * The role request transactions run as (`SET LOCAL ROLE`, see transaction.ts). It cannot log in
 * and has no BYPASSRLS, so row-level security holds even when the pool connects as the tables'
 * owner or a superuser.
 */
export const APP_ROLE = 'chat_app';

/** Transaction-local settings the policies read. */
export const TENANT_SETTING = 'app.tenant_id';
export const CROSS_TENANT_SETTING = 'app.cross_tenant';

/**
 * Creates the role if missing and lets the current user enter it. Roles are cluster-wide while
 * the migration lock is per database, so two databases' migrations may race here: a concurrent
 * CREATE ROLE or GRANT shows up as duplicate_object or unique_violation and means "already done".
 * `role` is one of the kit's own plain lowercase names, spliced as is.
 */
export function ensureAppRoleSql(role = APP_ROLE): string {
  return `
DO $$
DECLARE
  may_set_role boolean;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    BEGIN
      CREATE ROLE ${role} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;

  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}' AND (rolbypassrls OR rolsuper)) THEN
    RAISE EXCEPTION 'role ${role} has BYPASSRLS or SUPERUSER, so row-level security would not apply to it';
  END IF;

  -- A superuser may SET ROLE to anything. Since PostgreSQL 16 membership alone does not allow
  -- SET ROLE (a CREATEROLE creator gets ADMIN without SET), so ask for the SET option there.
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    may_set_role := true;
  ELSIF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE format('SELECT pg_has_role(%L, %L, %L)', current_user, '${role}', 'SET') INTO may_set_role;
  ELSE
    may_set_role := pg_has_role(current_user, '${role}', 'MEMBER');
  END IF;

  IF NOT may_set_role THEN
    BEGIN
      EXECUTE format('GRANT ${role} TO %I', current_user);
    EXCEPTION
      WHEN unique_violation THEN
        NULL;
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'user % may not grant itself role ${role}', current_user
          USING HINT = format('As a superuser: GRANT ${role} TO %I', current_user);
    END;
  END IF;

  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${role}', current_schema());
END
$$`;
}

export interface TenantRlsOptions {
  /** The text column holding the tenant. Default `tenant_id`. */
  column?: string;
}

/**
 * For a service's migration: puts `table` under row-level security, FORCEd so that the owner is
 * bound too. A transaction sees and writes only rows of the tenant it set (`app.tenant_id`); a
 * transaction flagged `app.cross_tenant = 'on'` (db.acrossTenants) may read every tenant's rows.
 * Without either, a query returns nothing. `chat_app` gets the DML rights it needs.
 *
 * Because the owner is bound as well, later data migrations on this table see no rows unless run
 * by a superuser or inside a tenant scope.
 */
export async function enableTenantRls(queryRunner: QueryRunner, table: string, options: TenantRlsOptions = {}): Promise<void> {
  const t = pg.escapeIdentifier(table);
  const tenantMatches = `${pg.escapeIdentifier(options.column ?? 'tenant_id')} = current_setting('${TENANT_SETTING}', true)`;
  const statements = [
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS tenant_isolation ON ${t}`,
    `CREATE POLICY tenant_isolation ON ${t} FOR ALL USING (${tenantMatches}) WITH CHECK (${tenantMatches})`,
    `DROP POLICY IF EXISTS cross_tenant_read ON ${t}`,
    `CREATE POLICY cross_tenant_read ON ${t} FOR SELECT USING (current_setting('${CROSS_TENANT_SETTING}', true) = 'on')`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${APP_ROLE}`,
  ];
  for (const sql of statements) await queryRunner.query(sql);
  await grantSequencesOf(queryRunner, table);
}

/** Serial and identity columns draw from sequences that `chat_app` must be allowed to advance. */
export async function grantSequencesOf(queryRunner: QueryRunner, table: string): Promise<void> {
  const rows: Array<{ seq: string }> = await queryRunner.query(
    `SELECT seq FROM (
       SELECT pg_get_serial_sequence($1::text, attname) AS seq
         FROM pg_attribute
        WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped
     ) owned WHERE seq IS NOT NULL`,
    [pg.escapeIdentifier(table)],
  );
  for (const { seq } of rows) await queryRunner.query(`GRANT USAGE, SELECT ON SEQUENCE ${seq} TO ${APP_ROLE}`);
}

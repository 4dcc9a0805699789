import { afterAll, describe, expect, it } from 'vitest';
import { createSql, pgErrorCode } from '../../ledger/db';
import { grantRuntimeRole } from '../../ledger/migrate';
import { testEnv } from '../support/env';

/**
 * The run's Postgres has two roles (test/support/globalSetup.ts, as production): the superuser that
 * owns the tables and ran the migrations, and the runtime role the workers connect as, granted by
 * the migration step (ledger/migrate.ts grantRuntimeRole).
 */
const owner = createSql(testEnv().databaseUrl, { max: 1 });
const runtime = createSql(testEnv().runtimeDatabaseUrl, { max: 1 });
const INSUFFICIENT_PRIVILEGE = '42501';

afterAll(async () => {
  await Promise.all([owner.end(), runtime.end()]);
});

async function failureCode(statement: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await statement();
  } catch (error) {
    return pgErrorCode(error);
  }
  return 'succeeded';
}

describe('the runtime role', () => {
  it('is no superuser and owns no table', async () => {
    const [role] = await runtime<{ rolsuper: boolean; rolcreaterole: boolean }[]>`
      SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user`;
    expect(role).toEqual({ rolsuper: false, rolcreaterole: false });
    const owned = await runtime`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user`;
    expect(owned).toEqual([]);
  });

  it('may read and append to the journal', async () => {
    const [rights] = await runtime<{ select: boolean; insert: boolean; update: boolean; delete: boolean; truncate: boolean }[]>`
      SELECT has_table_privilege('journal_entries', 'SELECT') AS select,
             has_table_privilege('journal_entries', 'INSERT') AS insert,
             has_table_privilege('journal_entries', 'UPDATE') AS update,
             has_table_privilege('journal_entries', 'DELETE') AS delete,
             has_table_privilege('journal_entries', 'TRUNCATE') AS truncate`;
    expect(rights).toEqual({ select: true, insert: true, update: false, delete: false, truncate: false });
    // The worker processes of this run connect as this role and post every payment of the suites.
    await runtime`SELECT count(*) FROM journal_entries`;
  });

  it('cannot update, delete or truncate the journal, alter it, or disable or drop its trigger', async () => {
    const attempts = {
      update: () => runtime`UPDATE journal_entries SET amount = amount WHERE id = (SELECT id FROM journal_entries LIMIT 1)`,
      delete: () => runtime`DELETE FROM journal_entries WHERE id = (SELECT id FROM journal_entries LIMIT 1)`,
      truncate: () => runtime`TRUNCATE journal_entries`,
      disableTrigger: () => runtime`ALTER TABLE journal_entries DISABLE TRIGGER journal_no_update_or_delete`,
      disableAllTriggers: () => runtime`ALTER TABLE journal_entries DISABLE TRIGGER ALL`,
      dropTrigger: () => runtime`DROP TRIGGER journal_no_update_or_delete ON journal_entries`,
      addColumn: () => runtime`ALTER TABLE journal_entries ADD COLUMN forged text`,
      dropTable: () => runtime`DROP TABLE journal_entries`,
      replicaRole: () => runtime`SET session_replication_role = replica`,
      auditUpdate: () => runtime`UPDATE transfer_audit SET note = 'forged'`,
      schemaVersion: () => runtime`INSERT INTO schema_migrations (version, name) VALUES (999999, 'forged')`,
    };
    const codes: Record<string, string | undefined> = {};
    for (const [name, attempt] of Object.entries(attempts)) codes[name] = await failureCode(attempt);
    expect(codes).toEqual(Object.fromEntries(Object.keys(attempts).map((name) => [name, INSUFFICIENT_PRIVILEGE])));
    // The trigger is still there and enabled.
    const [trigger] = await owner<{ tgenabled: string }[]>`
      SELECT tgenabled FROM pg_trigger WHERE tgname = 'journal_no_update_or_delete'`;
    expect(trigger?.tgenabled).toBe('O');
  });

  it('gets its rights on tables a later migration creates (default privileges) and on a grant run again', async () => {
    const table = `later_migration_${Date.now()}`;
    await owner.unsafe(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`);
    try {
      await runtime.unsafe(`INSERT INTO ${table} VALUES (1, 'a')`);
      await runtime.unsafe(`UPDATE ${table} SET note = 'b' WHERE id = 1`);
      expect(await runtime.unsafe(`SELECT note FROM ${table}`)).toEqual([{ note: 'b' }]);
      // The migration step grants again after every run: idempotent, and the journal stays closed.
      await grantRuntimeRole(owner, new URL(testEnv().runtimeDatabaseUrl).username);
      expect(await failureCode(() => runtime`DELETE FROM journal_entries WHERE false`)).toBe(INSUFFICIENT_PRIVILEGE);
    } finally {
      await owner.unsafe(`DROP TABLE ${table}`);
    }
  });
});

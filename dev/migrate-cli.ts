import { readSomeSettings } from '../config/env';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { runtimeRoleOf } from '../ledger/roles';

/**
 * `npm run migrate`, the production migration step (the compose `migrate` job, the Kubernetes
 * Job): applies the migrations in ledger/migrations that the database does not have yet, each in
 * its own transaction with a lock_timeout and retries, and prints each one applied. It connects
 * as MIGRATION_DATABASE_URL (the tables' owner) or else DATABASE_URL; when both are set with two
 * users, DATABASE_URL's user is the runtime role and gets its grants on every table afterwards.
 * Running it again applies nothing (and grants again). Exit codes: 0 done, 1 a migration or the
 * connection failed, 2 no URL is set or a setting is wrong.
 */
async function main(): Promise<number> {
  const runtimeUrl = process.env.DATABASE_URL;
  const ownerUrl = process.env.MIGRATION_DATABASE_URL || runtimeUrl;
  if (!ownerUrl) {
    console.error('migrate: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://user:pass@host:5432/corebank npm run migrate)');
    return 2;
  }
  let settings: { MIGRATION_LOCK_TIMEOUT_MS: number; MIGRATION_ATTEMPTS: number };
  try {
    settings = readSomeSettings(process.env, ['MIGRATION_LOCK_TIMEOUT_MS', 'MIGRATION_ATTEMPTS']);
  } catch (error) {
    console.error(`migrate: ${(error as Error).message}`);
    return 2;
  }
  const lockTimeoutMs = settings.MIGRATION_LOCK_TIMEOUT_MS;
  const attempts = settings.MIGRATION_ATTEMPTS;
  const runtimeRole = runtimeUrl && process.env.MIGRATION_DATABASE_URL ? runtimeRoleOf(ownerUrl, runtimeUrl) : undefined;
  const sql = createSql(ownerUrl, { max: 1 });
  try {
    const applied = await migrate(sql, (line) => console.log(line), { lockTimeoutMs, attempts, ...(runtimeRole ? { runtimeRole } : {}) });
    console.log(applied.length === 0 ? 'migrate: the database is up to date' : `migrate: applied ${applied.length} migration(s)`);
    return 0;
  } catch (error) {
    console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

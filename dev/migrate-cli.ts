import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';

/**
 * `npm run migrate`: applies the migrations in ledger/migrations that the database at
 * DATABASE_URL does not have yet, each in its own transaction, and prints each one applied.
 * Running it again applies nothing. Exit codes: 0 done, 1 a migration or the connection failed,
 * 2 DATABASE_URL is not set.
 */
async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('migrate: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://user:pass@host:5432/corebank npm run migrate)');
    return 2;
  }
  const sql = createSql(databaseUrl, { max: 1 });
  try {
    const applied = await migrate(sql, (line) => console.log(line));
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql, type Sql } from '../../ledger/db';
import { assertSchemaCurrent, expectedSchemaVersion, migrate, SchemaBehindError } from '../../ledger/migrate';
import { testEnv } from '../support/env';

/** A database of its own (the run's shared one is migrated already), dropped at the end. */
const name = `migrations_${Date.now()}`;
const admin = createSql(testEnv().databaseUrl, { max: 1 });
let db: Sql;

beforeAll(async () => {
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${name}`;
  db = createSql(url.toString(), { max: 2 });
});

afterAll(async () => {
  await db?.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
});

describe('migrations as their own step', () => {
  it('a process refuses a schema that is behind, and accepts it once the step ran', async () => {
    await expect(assertSchemaCurrent(db)).rejects.toThrow(SchemaBehindError);
    await expect(assertSchemaCurrent(db)).rejects.toThrow(/schema is at version 0, this release needs \d+: run `npm run migrate`/);
    await migrate(db);
    expect(await assertSchemaCurrent(db)).toBe(await expectedSchemaVersion());
  });

  it('a migration that waits for a lock gives up after lock_timeout and is tried again until it gets it', async () => {
    // Undo the last migration (017) so it runs again, while a long reader holds the table.
    await db.unsafe(`
      DROP INDEX notifications_expiring; DROP INDEX notifications_by_age;
      ALTER TABLE notifications DROP COLUMN expires_at;
      DELETE FROM schema_migrations WHERE version = 17`);
    const lines: string[] = [];
    const reader = db.reserve();
    const connection = await reader;
    await connection`BEGIN`;
    await connection`SELECT count(*) FROM notifications`;
    const migrating = migrate(db, (line) => lines.push(line), { lockTimeoutMs: 100, attempts: 20, retryPauseMs: 50 });
    // The reader holds its lock for a while; the migration gives up and tries again meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 700));
    await connection`COMMIT`;
    connection.release();
    const applied = await migrating;
    expect(applied).toEqual(['017_notification_expiry.sql']);
    expect(lines.filter((line) => /waited more than 100 ms for a lock/.test(line)).length).toBeGreaterThanOrEqual(1);
    expect(lines).toContain('applied migration 017_notification_expiry.sql');
  });
});

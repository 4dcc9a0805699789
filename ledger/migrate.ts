import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pgErrorCode, type Queryable, type Sql } from './db';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any fixed number: serialises migrators started at the same time (api and worker, say).
const MIGRATION_LOCK_KEY = 7_351_004_211;
const LOCK_NOT_AVAILABLE = '55P03';

export interface MigrateOptions {
  /**
   * lock_timeout of each migration's statements: an ALTER TABLE that waits for a long reader
   * holds every later writer of that table in the queue behind it, so it gives up soon and
   * tries again instead of stopping ledger writes while it waits.
   */
  lockTimeoutMs?: number;
  /** Tries of a migration that could not get its locks in time, with a growing pause between them. */
  attempts?: number;
  /** The first pause between tries; it doubles each time, up to 30 s. */
  retryPauseMs?: number;
  /** A role of the runtime (ledger/roles.ts) granted what it may do on every table once all migrations ran. */
  runtimeRole?: string;
}

export const DEFAULT_MIGRATE_OPTIONS = { lockTimeoutMs: 5_000, attempts: 10, retryPauseMs: 1_000 } as const;

/** The numbered .sql files in ledger/migrations, in order. */
async function migrationFiles(): Promise<string[]> {
  return (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
}

/** The version the code expects: the highest numbered migration it ships. */
export async function expectedSchemaVersion(): Promise<number> {
  const files = await migrationFiles();
  return files.length === 0 ? 0 : Number.parseInt(files[files.length - 1] as string, 10);
}

/**
 * Applies the numbered .sql files in ledger/migrations in order, each once, each in its own
 * transaction together with its row in schema_migrations. Returns the names it applied.
 */
export async function migrate(sql: Sql, log: (line: string) => void = () => {}, options: MigrateOptions = {}): Promise<string[]> {
  const { lockTimeoutMs, attempts, retryPauseMs } = { ...DEFAULT_MIGRATE_OPTIONS, ...options };
  await sql`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    int PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
  const applied: string[] = [];
  for (const file of await migrationFiles()) {
    const version = Number.parseInt(file, 10);
    const text = await readFile(MIGRATIONS_DIR + file, 'utf8');
    const apply = () =>
      sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
        const [done] = await tx`SELECT 1 FROM schema_migrations WHERE version = ${version}`;
        if (done) return false;
        // After the advisory lock, which may rightly wait for another migrator's whole run.
        await tx.unsafe(`SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
        await tx.unsafe(text);
        await tx`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${file})`;
        return true;
      });
    let didApply = false;
    for (let attempt = 1; ; attempt++) {
      try {
        didApply = await apply();
        break;
      } catch (error) {
        if (pgErrorCode(error) !== LOCK_NOT_AVAILABLE || attempt >= attempts) throw error;
        const pauseMs = Math.min(retryPauseMs * 2 ** (attempt - 1), 30_000);
        log(`migration ${file} waited more than ${lockTimeoutMs} ms for a lock (try ${attempt} of ${attempts}); again in ${pauseMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    if (didApply) {
      applied.push(file);
      log(`applied migration ${file}`);
    }
  }
  if (options.runtimeRole) {
    await grantRuntimeRole(sql, options.runtimeRole);
    log(`granted the runtime role ${options.runtimeRole} its rights on every table`);
  }
  return applied;
}

/** The highest migration the database has applied (0 for an empty one). */
export async function appliedSchemaVersion(sql: Queryable): Promise<number> {
  const [table] = await sql<{ name: string | null }[]>`SELECT to_regclass('schema_migrations')::text AS name`;
  if (!table?.name) return 0;
  const [row] = await sql<{ version: number | null }[]>`SELECT max(version) AS version FROM schema_migrations`;
  return row?.version ?? 0;
}

export class SchemaBehindError extends Error {}

/**
 * Refuses to run code on a schema older than it expects (migrations are their own step in
 * production: `npm run migrate` before the new release starts). A newer schema is fine: the
 * expand/contract rule keeps the previous release working on it (docs/changing-the-schema.md).
 */
export async function assertSchemaCurrent(sql: Queryable): Promise<number> {
  const [applied, expected] = await Promise.all([appliedSchemaVersion(sql), expectedSchemaVersion()]);
  if (applied < expected) {
    throw new SchemaBehindError(
      `the database schema is at version ${applied}, this release needs ${expected}: run \`npm run migrate\` (the migration job) first`,
    );
  }
  return applied;
}

/**
 * What the runtime role may do, granted after every migration ran (and by default on what later
 * migrations create): read and write the tables, but only read and append to the journal and the
 * audit trail, and only read schema_migrations. It owns nothing, so it cannot ALTER or DROP a
 * table or disable a trigger (only an owner or a superuser can).
 */
export async function grantRuntimeRole(sql: Sql, role: string): Promise<void> {
  const name = sql(role);
  await sql.begin(async (tx) => {
    await tx`GRANT USAGE ON SCHEMA public TO ${name}`;
    await tx`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${name}`;
    await tx`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${name}`;
    for (const table of APPEND_ONLY_TABLES) {
      await tx`REVOKE UPDATE, DELETE, TRUNCATE ON ${tx(table)} FROM ${name}`;
    }
    await tx`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM ${name}`;
    await tx`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${name}`;
    await tx`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${name}`;
  });
}

/** Rows that are never changed once written: the journal (its trigger says so too) and the transfers' audit trail. */
export const APPEND_ONLY_TABLES = ['journal_entries', 'transfer_audit'] as const;

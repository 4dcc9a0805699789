import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from './db';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
// Any fixed number: serialises migrators started at the same time (api and worker, say).
const MIGRATION_LOCK_KEY = 7_351_004_211;

/**
 * Applies the numbered .sql files in ledger/migrations in order, each once, each in its own
 * transaction together with its row in schema_migrations. Returns the names it applied.
 */
export async function migrate(sql: Sql, log: (line: string) => void = () => {}): Promise<string[]> {
  await sql`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version    int PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    const text = await readFile(MIGRATIONS_DIR + file, 'utf8');
    const didApply = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      const [done] = await tx`SELECT 1 FROM schema_migrations WHERE version = ${version}`;
      if (done) return false;
      await tx.unsafe(text);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${version}, ${file})`;
      return true;
    });
    if (didApply) {
      applied.push(file);
      log(`applied migration ${file}`);
    }
  }
  return applied;
}

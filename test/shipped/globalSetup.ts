import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../dev/ports';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { findOrBuildTemporalCli } from '../../dev/temporalCli';
import { startTemporalDevServer } from '../../dev/temporalServer';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The stack the built processes run against: `npm run build` (what the image's build stage runs),
 * an embedded PostgreSQL and a Temporal dev server on free ports, and the migration step as
 * compose's `migrate` job runs it (`node dist/migrate.js`: the production profile's processes only
 * check the schema version). No worker: the built processes do the rest of their start-up
 * (dist/worker.js registers the search attributes, as in compose).
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const log = (line: string) => console.log(`[shipped setup +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  log('npm run build');
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);

  const dir = await mkdtemp(join(tmpdir(), 'corebank-shipped-'));
  // Postgres runs as its own user when we are root; it must reach its data directory.
  await chmod(dir, 0o755);
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => console.error('[shipped teardown]', error));
  };
  try {
    const [pg, cliPath] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false, onProgress: log })),
      findOrBuildTemporalCli(log),
    ]);
    stops.push(() => pg.stop());
    const temporal = await startTemporalDevServer({ cliPath, port: await freePort(), dbFile: join(dir, 'temporal.db') });
    stops.push(() => temporal.stop());
    log(`postgres at ${pg.url}, temporal at ${temporal.address}`);
    const migrate = spawnSync('node', ['dist/migrate.js'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, DATABASE_URL: pg.url } });
    if (migrate.status !== 0) throw new Error(`node dist/migrate.js failed (exit ${migrate.status})`);
    project.provide('databaseUrl', pg.url);
    project.provide('temporalAddress', temporal.address);
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

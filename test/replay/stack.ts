import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../../dev/ports';
import { startEmbeddedPostgres } from '../../dev/postgres';
import { findOrBuildTemporalCli } from '../../dev/temporalCli';
import { startTemporalDevServer } from '../../dev/temporalServer';
import { createSql } from '../../ledger/db';
import { migrate } from '../../ledger/migrate';
import { bundleWorkflows } from '../../worker/createWorker';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { startWorkerProcess } from '../support/workerProcess';
import { WORKER_ENV } from './recorderApi';

export interface RecordingStack {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * What test/support/globalSetup.ts starts for a test run, for a script outside vitest: a fresh
 * PostgreSQL and Temporal dev server on free ports, migrations, search attributes, the workflow
 * bundle of the working tree, and the real worker as its own process.
 */
export async function startRecordingStack(log: (line: string) => void): Promise<RecordingStack> {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-record-'));
  // Postgres runs as its own user (we may be root), which must be able to reach its data dir.
  await chmod(dir, 0o755);
  const stops: (() => Promise<unknown>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error('[stop]', e));
  };

  try {
    const [pg, cliPath] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false })),
      findOrBuildTemporalCli(log),
    ]);
    stops.push(() => pg.stop());
    log(`postgres at ${pg.url}`);
    const temporal = await startTemporalDevServer({ cliPath, port: await freePort(), dbFile: join(dir, 'temporal.db') });
    stops.push(() => temporal.stop());
    log(`temporal at ${temporal.address}`);

    const sql = createSql(pg.url, { max: 2 });
    try {
      await migrate(sql);
    } finally {
      await sql.end();
    }
    const connection = await Connection.connect({ address: temporal.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();

    const code = await bundleWorkflows();
    const workflowBundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, code);
    log('workflows bundled');

    const taskQueue = 'corebank-record';
    const worker = await startWorkerProcess({
      databaseUrl: pg.url,
      temporalAddress: temporal.address,
      taskQueue,
      workflowBundlePath,
      env: WORKER_ENV,
    });
    stops.push(() => worker.stop());
    log('worker running');
    return { databaseUrl: pg.url, temporalAddress: temporal.address, taskQueue, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

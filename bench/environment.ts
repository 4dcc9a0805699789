import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { issueToken } from '../api/auth';
import { LOCAL_JWT_SECRET } from '../config/env';
import { CLUSTER_SHAPE } from '../dev/clusterShape';
import { startNodeScript } from '../dev/nodeScript';
import { freePort } from '../dev/ports';
import { startEmbeddedPostgres } from '../dev/postgres';
import type { Child } from '../dev/processes';
import { findOrBuildTemporalCli } from '../dev/temporalCli';
import { startTemporalDevServer } from '../dev/temporalServer';
import { startTemporalSqlServerOnFreePorts } from '../dev/temporalSqlServer';
import { createSql, type Sql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { bundleWorkflows } from '../worker/createWorker';
import { ensureSearchAttributes } from '../worker/searchAttributes';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * `dev`: the Temporal dev server (`npm start`), one worker and one API process. `cluster`: the
 * production shape of `npm run start:cluster`: the real Temporal server on PostgreSQL, two workers
 * and two API processes on one port (the baseline workers two as well).
 */
export type BenchServer = 'dev' | 'cluster';

export interface BenchEnvironment {
  server: BenchServer;
  sql: Sql;
  temporal: Client;
  apiUrl: string;
  systemToken: string;
  noopTaskQueue: string;
  /** The API process (the primary, under the cluster profile): its memory is sampled by the reads. */
  apiPid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Like the tests: a fresh PostgreSQL and Temporal on free ports, then the real worker(s), the
 * baseline's no-op worker(s) (same tuning) and the API, each its own process, as in production.
 */
export async function startBenchEnvironment(log: (line: string) => void, server: BenchServer = 'dev'): Promise<BenchEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-bench-'));
  await chmod(dir, 0o755);
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const [pg, cliPath] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false })),
      server === 'dev' ? findOrBuildTemporalCli(log) : undefined,
    ]);
    stops.push(() => pg.stop());
    const temporal = cliPath
      ? await startTemporalDevServer({ cliPath, port: await freePort(), dbFile: join(dir, 'temporal.db') })
      : await startTemporalSqlServerOnFreePorts(pg.url, dir, log);
    stops.push(() => temporal.stop());
    const sql = createSql(pg.url, { max: 40 });
    stops.push(() => sql.end());
    await migrate(sql);
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    await ensureSearchAttributes(connection, 'default');
    log(`postgres and temporal (${server}) up (${temporal.address})`);

    const env = {
      ...process.env,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      LOG_LEVEL: 'info',
      // The bench is one caller sending as fast as the stack answers: no per-caller write limit.
      WRITE_LIMIT_CLIENT_PER_MINUTE: '100000000',
      WRITE_LIMIT_SYSTEM_PER_MINUTE: '100000000',
    };
    const apiPort = await freePort();
    const noopTaskQueue = 'bench-noop';
    const workers = server === 'cluster' ? CLUSTER_SHAPE.workers : 1;
    // Bundled once here, not by each worker at its start (four bundlings at once on two cores).
    const workflowBundle = join(dir, 'workflows.js');
    const noopBundle = join(dir, 'noop-workflows.js');
    await writeFile(workflowBundle, await bundleWorkflows());
    await writeFile(noopBundle, await bundleWorkflows({ workflowsPath: file('./noopWorkflow.ts'), workflowInterceptorModules: [] }));
    const children: Promise<Child>[] = [];
    const readyTimeoutMs = 300_000;
    for (let i = 0; i < workers; i += 1) {
      children.push(
        startNodeScript({
          name: `worker-${i + 1}`,
          file: file('../worker/main.ts'),
          env: { ...env, WORKFLOW_BUNDLE_PATH: workflowBundle },
          readyText: 'worker running',
          readyTimeoutMs,
        }),
        startNodeScript({
          name: `noop-worker-${i + 1}`,
          file: file('./noopWorker.ts'),
          env: { ...env, TEMPORAL_TASK_QUEUE: noopTaskQueue, WORKFLOW_BUNDLE_PATH: noopBundle },
          readyText: 'worker running',
          readyTimeoutMs,
        }),
      );
    }
    const apiEnv = { ...env, API_PORT: String(apiPort), API_PROCESSES: String(CLUSTER_SHAPE.apis) };
    children.push(
      server === 'cluster'
        ? startNodeScript({ name: 'api', file: file('../dev/apiCluster.ts'), env: apiEnv, readyText: 'api listening', readyTimeoutMs })
        : startNodeScript({ name: 'api', file: file('../api/main.ts'), env: apiEnv, readyText: 'api listening', readyTimeoutMs }),
    );
    const started = await Promise.all(children);
    for (const child of started) stops.push(() => child.stop());
    const apiPid = started.find((child) => child.name === 'api')?.process.pid;
    log(`${workers} worker(s), ${workers} baseline worker(s) and the API running`);
    return {
      server,
      sql,
      temporal: new Client({ connection }),
      apiUrl: `http://127.0.0.1:${apiPort}`,
      systemToken: await issueToken(LOCAL_JWT_SECRET, { role: 'system', sub: 'bench' }),
      noopTaskQueue,
      apiPid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

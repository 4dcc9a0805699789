import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { issueToken } from '../api/auth';
import { LOCAL_JWT_SECRET } from '../config/env';
import { startNodeScript } from '../dev/nodeScript';
import { freePort } from '../dev/ports';
import { startEmbeddedPostgres } from '../dev/postgres';
import { findOrBuildTemporalCli } from '../dev/temporalCli';
import { startTemporalDevServer } from '../dev/temporalServer';
import { createSql, type Sql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { ensureSearchAttributes } from '../worker/searchAttributes';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface BenchEnvironment {
  sql: Sql;
  temporal: Client;
  apiUrl: string;
  systemToken: string;
  noopTaskQueue: string;
  stop(): Promise<void>;
}

/**
 * Like the tests: a fresh PostgreSQL and Temporal dev server on free ports, then the real worker,
 * the baseline's no-op worker (same tuning) and the API, each its own process, as in production.
 */
export async function startBenchEnvironment(log: (line: string) => void): Promise<BenchEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-bench-'));
  await chmod(dir, 0o755);
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const [pg, cliPath] = await Promise.all([
      freePort().then((port) => startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port, persistent: false })),
      findOrBuildTemporalCli(log),
    ]);
    stops.push(() => pg.stop());
    const server = await startTemporalDevServer({ cliPath, port: await freePort(), dbFile: join(dir, 'temporal.db') });
    stops.push(() => server.stop());
    const sql = createSql(pg.url, { max: 40 });
    stops.push(() => sql.end());
    await migrate(sql);
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    await ensureSearchAttributes(connection, 'default');
    log(`postgres and temporal up (${server.address})`);

    const env = { ...process.env, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: server.address, LOG_LEVEL: 'info' };
    const apiPort = await freePort();
    const noopTaskQueue = 'bench-noop';
    const [worker, noopWorker, api] = await Promise.all([
      startNodeScript({ name: 'worker', file: file('../worker/main.ts'), env, readyText: 'worker running' }),
      startNodeScript({
        name: 'noop-worker',
        file: file('./noopWorker.ts'),
        env: { ...env, TEMPORAL_TASK_QUEUE: noopTaskQueue },
        readyText: 'worker running',
      }),
      startNodeScript({
        name: 'api',
        file: file('../api/main.ts'),
        env: { ...env, API_PORT: String(apiPort), LOG_LEVEL: 'info' },
        readyText: 'api listening',
      }),
    ]);
    stops.push(
      () => worker.stop(),
      () => noopWorker.stop(),
      () => api.stop(),
    );
    log('worker, baseline worker and API running');
    return {
      sql,
      temporal: new Client({ connection }),
      apiUrl: `http://127.0.0.1:${apiPort}`,
      systemToken: await issueToken(LOCAL_JWT_SECRET, { role: 'system', sub: 'bench' }),
      noopTaskQueue,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { startNodeScript } from '../../dev/nodeScript';
import { freePort } from '../../dev/ports';
import { type RunningPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import type { Child } from '../../dev/processes';
import { waitFor } from '../../dev/processes';
import { findOrBuildTemporalCli } from '../../dev/temporalCli';
import { startTemporalDevServer, type TemporalDevServer } from '../../dev/temporalServer';
import { createSql } from '../../ledger/db';
import { migrate } from '../../ledger/migrate';
import { ensureSearchAttributes } from '../../worker/searchAttributes';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export type FaultKind = 'kill-worker' | 'kill-api' | 'restart-temporal' | 'restart-postgres';

/**
 * The full stack as separate OS processes on fixed free ports, each of which can be killed or
 * restarted: PostgreSQL, the Temporal dev server (SQLite file), the worker, the API.
 */
export async function startCluster(log: (line: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-faults-'));
  await chmod(dir, 0o755);
  const ports = { pg: await freePort(), temporal: await freePort(), api: await freePort() };
  const pgDir = join(dir, 'pg');
  const cliPath = await findOrBuildTemporalCli(log);

  let pg: RunningPostgres = await startEmbeddedPostgres({ dataDir: pgDir, port: ports.pg, persistent: true });
  const startTemporal = () => startTemporalDevServer({ cliPath, port: ports.temporal, dbFile: join(dir, 'temporal.db') });
  let temporal: TemporalDevServer = await startTemporal();
  const sql = createSql(pg.url, { max: 5 });
  await migrate(sql);
  const connection = await Connection.connect({ address: temporal.address });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();

  const env = {
    ...process.env,
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    API_PORT: String(ports.api),
    LOG_LEVEL: 'info',
    // Short waits: a request whose answer is lost frees its Idempotency-Key soon.
    WORKFLOW_WAIT_MS: '8000',
    SANDBOX_DECISION_MS: '200',
  };
  // With FAULT_REPLY_LOSS set, the worker also loses activity replies on purpose (chaosWorker.ts).
  const workerFile = Number(process.env.FAULT_REPLY_LOSS ?? 0) > 0 ? './chaosWorker.ts' : '../../worker/main.ts';
  const startWorker = () => startNodeScript({ name: 'worker', file: file(workerFile), env, readyText: 'worker running' });
  const startApi = () => startNodeScript({ name: 'api', file: file('../../api/main.ts'), env, readyText: 'api listening' });
  let worker: Child = await startWorker();
  let api: Child = await startApi();
  const apiUrl = `http://127.0.0.1:${ports.api}`;

  async function inject(kind: FaultKind): Promise<void> {
    switch (kind) {
      case 'kill-worker':
        worker.kill('SIGKILL');
        await worker.exited;
        worker = await startWorker();
        return;
      case 'kill-api':
        api.kill('SIGKILL');
        await api.exited;
        api = await startApi();
        return;
      case 'restart-temporal':
        await temporal.stop();
        temporal = await startTemporal();
        return;
      case 'restart-postgres': {
        // Immediate shutdown (SIGQUIT): no checkpoint, recovery from the WAL at the next start.
        const pidFile = join(pgDir, 'postmaster.pid');
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
        if (pid) process.kill(pid, 'SIGQUIT');
        await waitFor('postgres to stop', async () => !existsSync(pidFile), 30_000, 100);
        pg = await startEmbeddedPostgres({ dataDir: pgDir, port: ports.pg, persistent: true });
        return;
      }
    }
  }

  return {
    sql,
    apiUrl,
    temporalAddress: () => temporal.address,
    inject,
    async stop() {
      await api.stop();
      await worker.stop();
      await temporal.stop();
      await sql.end({ timeout: 5 });
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

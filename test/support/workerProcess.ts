import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '../../dev/processes';

const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));

export interface WorkerProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  workflowBundlePath: string;
  /** Print the worker's log lines (default: only when DEBUG_WORKER is set). */
  verbose?: boolean;
}

/** The real worker (worker/main.ts) as its own OS process; resolves once it polls its queue. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<Child> {
  const verbose = options.verbose ?? Boolean(process.env.DEBUG_WORKER);
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const child = startChild({
    name: `worker:${options.taskQueue}`,
    command: process.execPath,
    args: ['--import', 'tsx', WORKER_MAIN],
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      WORKFLOW_BUNDLE_PATH: options.workflowBundlePath,
      // Info, since readiness is read from the 'worker running' line; only errors are printed.
      LOG_LEVEL: 'info',
    },
    onLine: (line) => {
      if (line.includes('worker running')) markReady();
      if (verbose || /"level":(50|60)|Error/.test(line)) console.log(`[worker:${options.taskQueue}] ${line}`);
    },
  });
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`worker exited at start with code ${code}`);
  });
  await Promise.race([ready, exitedEarly]);
  return child;
}

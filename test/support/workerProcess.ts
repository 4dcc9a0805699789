import { fileURLToPath } from 'node:url';
import { startNodeScript } from '../../dev/nodeScript';
import type { Child } from '../../dev/processes';

const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url));

export interface WorkerProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  workflowBundlePath: string;
  /** Extra environment, for example a slower sandbox provider. */
  env?: NodeJS.ProcessEnv;
}

/** The real worker (worker/main.ts) as its own OS process; resolves once it polls its queue. */
export function startWorkerProcess(options: WorkerProcessOptions): Promise<Child> {
  return startNodeScript({
    name: `worker:${options.taskQueue}`,
    file: WORKER_MAIN,
    readyText: 'worker running',
    verbose: Boolean(process.env.DEBUG_WORKER),
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      WORKFLOW_BUNDLE_PATH: options.workflowBundlePath,
      // Info, since readiness is read from the 'worker running' line; only errors are printed.
      LOG_LEVEL: 'info',
      // The run's setup migrated (as the owner); the worker checks the schema version like production.
      MIGRATE_ON_START: 'false',
      // The sandbox provider decides quickly in tests; OTP codes live long enough for slow runs.
      SANDBOX_DECISION_MS: '200',
      OTP_TTL_MS: process.env.OTP_TTL_MS ?? '60000',
      // Resends 1 s apart instead of 30 s, so a test can wait one out.
      OTP_RESEND_INTERVAL_MS: '1000',
      ...options.env,
    },
  });
}

import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Slots of a worker; the benchmark's baseline worker uses the same. */
export const WORKER_TUNING = {
  // Activities spend their time waiting on Postgres; the pool bounds the real concurrency.
  maxConcurrentActivityTaskExecutions: 64,
  maxConcurrentWorkflowTaskExecutions: 64,
};

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A bundle made once by bundleWorkflowCode (tests); otherwise the worker bundles at start. */
  workflowBundlePath?: string;
}

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundlePath, ...deps } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    ...WORKER_TUNING,
  });
}

export { NativeConnection };

import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { WORKER_TUNING } from '../worker/createWorker';
import { noopActivities } from './noopWorkflow';

/** A worker process for the baseline workflow, with the same tuning as the real worker. */
async function main() {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bench-noop',
    // One bundle for every baseline worker when the bench made it; otherwise bundled here.
    ...(process.env.WORKFLOW_BUNDLE_PATH
      ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } }
      : { workflowsPath: fileURLToPath(new URL('./noopWorkflow.ts', import.meta.url)) }),
    activities: noopActivities,
    ...WORKER_TUNING,
  });
  console.log('worker running');
  await worker.run();
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { NativeConnection, Worker } from '@temporalio/worker';
import { type Activities, createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { loadConfig } from '../../config/env';
import { createSql } from '../../ledger/db';
import { WORKER_TUNING, WORKFLOWS_PATH } from '../../worker/createWorker';

/**
 * The real worker, except that an activity's reply is lost now and then: it ran (and committed)
 * but Temporal hears a failure and runs it again. That is the crash between the write and the
 * reply, on purpose and often, so an activity that is not idempotent shows in the ledger.
 */
const REPLY_LOSS = Number(process.env.FAULT_REPLY_LOSS);

function loseReplies(activities: Activities): Activities {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const result = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        if (Math.random() < REPLY_LOSS) throw new Error(`fault injection: the reply of ${name} was lost`);
        return result;
      },
    ]),
  ) as Activities;
}

async function main() {
  const config = loadConfig();
  const sql = createSql(config.databaseUrl, { max: 20 });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: loseReplies(
      createActivities({
        sql,
        provider: createSandboxProvider(sql, { decisionDelayMs: config.sandboxDecisionMs }),
        notifier: createLocalNotifier(sql),
        otp: config.otp,
        transferLimits: config.transferLimits,
      }),
    ),
    ...WORKER_TUNING,
  });
  console.log(`worker running (losing ${REPLY_LOSS * 100} % of activity replies)`);
  await worker.run();
  await connection.close();
  await sql.end({ timeout: 5 });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

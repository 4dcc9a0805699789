import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type History, historyFromJSON } from '@temporalio/common/lib/proto-utils.js';

/** Recorded workflow histories: one JSON file per workflow run, `<workflowType>-<path>.json`. */
export const HISTORIES_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

/** Every workflow type the worker registers (workflows/index.ts); each needs recorded histories. */
export const WORKFLOW_TYPES = [
  'paymentWorkflow',
  'outgoingTransferWorkflow',
  'incomingTransferWorkflow',
  'fxTransferWorkflow',
  'dailyAccountBalanceWorkflow',
  'dailyCheckWorkflow',
  'accountBalanceCheckWorkflow',
  'webhookEndpointWorkflow',
  'paymentReversalWorkflow',
  'transferReturnWorkflow',
  'approvalWorkflow',
] as const;

export interface RecordedHistory {
  /** The file name, e.g. paymentWorkflow-draft-pend-post.json. */
  file: string;
  workflowType: string;
  /** The id the workflow ran under (it reads it through workflowInfo()), for a faithful replay. */
  workflowId: string;
  history: History;
}

/**
 * The workflow type and id a history was started with (its first event). Histories do not hold
 * the workflow id on a dev server, so it is derived from the input the way the API names the
 * workflows: `payment-<paymentId>` and `transfer-<transferId>`.
 */
export function describeHistory(history: History): { workflowType: string; workflowId: string | undefined } {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started?.workflowType?.name) throw new Error('the first event is not WorkflowExecutionStarted');
  const workflowType = started.workflowType.name;
  const recorded = started.rootWorkflowExecution?.workflowId;
  if (recorded) return { workflowType, workflowId: recorded };
  const data = started.input?.payloads?.[0]?.data;
  let input: any;
  try {
    input = data ? JSON.parse(new TextDecoder().decode(data)) : undefined;
  } catch {
    input = undefined;
  }
  const paymentId = input?.paymentId;
  const transferId = input?.record?.transferId ?? input?.transferId;
  if (workflowType === 'paymentWorkflow' && typeof paymentId === 'string') return { workflowType, workflowId: `payment-${paymentId}` };
  if (typeof transferId === 'string') return { workflowType, workflowId: `transfer-${transferId}` };
  return { workflowType, workflowId: undefined };
}

/** True when an update was accepted while an activity of another step was still running: the interleaving of a race. */
export function updatesOverlap(history: History): boolean {
  const running = new Set<string>();
  let overlaps = 0;
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) running.add(String(e.eventId));
    const done =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (done) running.delete(String(done.scheduledEventId));
    if (e.workflowExecutionUpdateAcceptedEventAttributes && running.size > 0) overlaps += 1;
  }
  return overlaps > 0;
}

/** Loads every recorded history, sorted by file name. */
export function loadHistories(dir = HISTORIES_DIR): RecordedHistory[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  return files.map((file) => {
    let history: History;
    try {
      history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    } catch (error) {
      throw new Error(`${file}: not a Temporal history JSON (${(error as Error).message})`);
    }
    const { workflowType, workflowId } = describeHistory(history);
    return { file, workflowType, workflowId: workflowId ?? file.replace(/\.json$/, ''), history };
  });
}

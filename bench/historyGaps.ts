import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

// A CommonJS package: its namespaces come off the default export under ESM.
const { EventType } = proto.temporal.api.enums.v1;

/**
 * Where a slow workflow spent its time, read from its history's event timestamps: each task's
 * wait between Scheduled and Started (the server dispatching it to a worker) and its run between
 * Started and Completed (the worker), plus the gaps between a task's completion and the next
 * event. This is how the fixed dispatch delays of the dev server were found; the bench prints it
 * for the slowest payments of a run so a p99 spike names its step.
 */
export interface Gap {
  step: string;
  ms: number;
}

const ms = (time: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  time ? Number(time.seconds ?? 0) * 1000 + (time.nanos ?? 0) / 1e6 : Number.NaN;

const NAMES: Record<number, string> = {
  [EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]: 'workflow task scheduled',
  [EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED]: 'workflow task started',
  [EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]: 'workflow task completed',
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: 'activity scheduled',
  [EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED]: 'activity started',
  [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]: 'activity completed',
  [EventType.EVENT_TYPE_MARKER_RECORDED]: 'marker (local activity)',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: 'update accepted',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED]: 'update completed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]: 'workflow started',
};

/** The steps between consecutive events of a workflow's history, longest first. */
export async function historyGaps(temporal: Client, workflowId: string): Promise<{ totalMs: number; gaps: Gap[] }> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const gaps: Gap[] = [];
  for (let i = 1; i < events.length; i += 1) {
    const [before, after] = [events[i - 1], events[i]];
    const name = (e: typeof before) => NAMES[e?.eventType ?? 0] ?? `event ${e?.eventType}`;
    gaps.push({ step: `${name(before)} -> ${name(after)}`, ms: ms(after?.eventTime) - ms(before?.eventTime) });
  }
  const totalMs = ms(events.at(-1)?.eventTime) - ms(events[0]?.eventTime);
  return { totalMs, gaps: gaps.sort((a, b) => b.ms - a.ms) };
}

/** One line per workflow: its total and its three longest steps. */
export async function describeSlowest(temporal: Client, workflowIds: string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const id of workflowIds) {
    try {
      const { totalMs, gaps } = await historyGaps(temporal, id);
      const top = gaps
        .slice(0, 3)
        .map((g) => `${g.step} ${g.ms.toFixed(0)} ms`)
        .join('; ');
      lines.push(`${id}: ${totalMs.toFixed(0)} ms in history; longest: ${top}`);
    } catch (error) {
      lines.push(`${id}: history not read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return lines;
}

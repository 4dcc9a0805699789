import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowSpanSinks } from '../../observability/temporal';
import { bundleWorkflows, WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/createWorker';
import { loadHistories, type RecordedHistory } from '../replay/histories';

/**
 * The recorded histories (test/histories) replay on the workflows bundled WITH their interceptors
 * (workflows/interceptors.ts: OpenTelemetry and request ids), as production bundles them, and the
 * interceptors change nothing a workflow does: every activity gets the same input as without them,
 * and the workflow's own random stream (uuid4(), Math.random()) is where it would be without them,
 * though the tracer draws span ids on every span. A probe module (replayProbeInterceptors.ts)
 * reports both, during replay, once without and once with the tracing interceptors.
 */
const PROBE = fileURLToPath(new URL('./replayProbeInterceptors.ts', import.meta.url));

interface Observed {
  activities: { type: string; args: unknown }[];
  finished: string[];
}

/** The activities a history scheduled, with their inputs. */
function scheduled(h: RecordedHistory) {
  return (h.history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a != null)
    .map((a) => ({
      type: a.activityType?.name,
      args: (a.input?.payloads ?? []).map((p) => JSON.parse(new TextDecoder().decode(p.data ?? new Uint8Array()))) as unknown[],
    }));
}

/**
 * The histories, each under the workflow id it ran with: the ledger operations' histories do not
 * hold it, but their activities' input names it (the workflow reads it from workflowInfo()).
 */
function histories(): RecordedHistory[] {
  return loadHistories().map((h) => {
    const named = (scheduled(h)[0]?.args[0] as { workflowId?: unknown } | undefined)?.workflowId;
    return typeof named === 'string' ? { ...h, workflowId: named } : h;
  });
}

async function replayAll(code: string) {
  const observed = new Map<string, Observed>();
  const of = (workflowId: string) => {
    const o = observed.get(workflowId) ?? { activities: [], finished: [] };
    observed.set(workflowId, o);
    return o;
  };
  const failures: string[] = [];
  const results = Worker.runReplayHistories(
    {
      workflowBundle: { code },
      replayName: 'with-interceptors',
      sinks: {
        ...workflowSpanSinks(undefined),
        probe: {
          activity: {
            fn: (info, type, args) => {
              of(info.workflowId).activities.push({ type: type as string, args: JSON.parse(args as string) });
            },
            callDuringReplay: true,
          },
          finished: {
            fn: (info, draw) => {
              of(info.workflowId).finished.push(draw as string);
            },
            callDuringReplay: true,
          },
        },
      },
    },
    histories().map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  for await (const result of results) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  return { observed, failures };
}

describe('recorded histories replay on the workflows bundled with their interceptors', () => {
  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  });

  it('replays every history, gives every activity the same input as without them, and leaves the workflow random stream alone', async () => {
    const [plain, traced] = await Promise.all([
      bundleWorkflows({ workflowInterceptorModules: [PROBE] }),
      bundleWorkflows({ workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES, PROBE] }),
    ]);
    const without = await replayAll(plain);
    const withTracing = await replayAll(traced);
    expect(without.failures).toEqual([]);
    expect(withTracing.failures, 'histories that do not replay with the tracing interceptors').toEqual([]);

    const all = histories();
    expect(withTracing.observed.size).toBe(all.length);
    for (const h of all) {
      // The inputs may differ from the recorded ones where the workflow code changed since (a field
      // added to an activity's input is no determinism problem); with and without tracing they may not.
      const seen = withTracing.observed.get(h.workflowId);
      expect(
        seen?.activities.map((a) => a.type),
        `${h.file}: the activities`,
      ).toEqual(scheduled(h).map((a) => a.type));
      expect(seen, `${h.file}: the same inputs and random draws with and without tracing`).toEqual(without.observed.get(h.workflowId));
    }
    // At least the finished runs drew from the workflow stream, so the comparison above means something.
    expect([...withTracing.observed.values()].filter((o) => o.finished.length > 0).length).toBeGreaterThan(10);
  }, 600_000);
});

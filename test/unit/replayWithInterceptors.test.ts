import { fileURLToPath } from 'node:url';
import { defaultPayloadConverter } from '@temporalio/common';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowSpanSinks } from '../../observability/temporal';
import { bundleWorkflows, WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/createWorker';
import { loadHistories, type RecordedHistory } from '../replay/histories';

/**
 * The recorded histories (test/histories) replay on the workflows bundled WITH their interceptors
 * (workflows/interceptors.ts: OpenTelemetry and request ids), as production bundles them, and the
 * interceptors change nothing a workflow does, also when every call's trace is sampled (so the
 * OpenTelemetry ones run): every activity gets the same input as without them,
 * and the workflow's own random stream (uuid4(), Math.random()) is where it would be without them,
 * though the tracer draws span ids on every span. A probe module (replayProbeInterceptors.ts)
 * reports both, during replay, once without and once with the tracing interceptors.
 */
const PROBE = fileURLToPath(new URL('./replayProbeInterceptors.ts', import.meta.url));

interface Observed {
  activities: { type: string; args: unknown }[];
  finished: string[];
}

/** The trace and span ids of the sampled context put into the histories' headers. */
const TRACE_ID = 'ab'.repeat(16);
const CALLER_SPAN_ID = 'cd'.repeat(8);

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

/**
 * The histories as a caller whose trace is sampled would have made them: a sampled W3C context in
 * the OpenTelemetry header of the start, of every update and of every signal, so the tracing
 * interceptors run (they skip unsampled calls, and the recordings carry no trace header).
 */
function sampledHistories(): RecordedHistory[] {
  const traced = () => ({
    [TRACE_HEADER]: defaultPayloadConverter.toPayload({ traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` }),
  });
  const withTrace = (header: { fields?: Record<string, unknown> | null } | null | undefined) => ({
    ...header,
    fields: { ...header?.fields, ...traced() },
  });
  return histories().map((h) => {
    for (const event of h.history.events ?? []) {
      const started = event.workflowExecutionStartedEventAttributes;
      if (started) started.header = withTrace(started.header);
      const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (update) update.header = withTrace(update.header);
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal) signal.header = withTrace(signal.header);
    }
    return h;
  });
}

async function replayAll(code: string, recorded: RecordedHistory[] = histories()) {
  const observed = new Map<string, Observed>();
  const of = (workflowId: string) => {
    const o = observed.get(workflowId) ?? { activities: [], finished: [] };
    observed.set(workflowId, o);
    return o;
  };
  const failures: string[] = [];
  const activityTraces: string[] = [];
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
          activityTrace: {
            fn: (_info, traceparent) => {
              activityTraces.push(traceparent as string);
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
    recorded.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  for await (const result of results) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  return { observed, failures, activityTraces };
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
    const withTracing = await replayAll(traced, sampledHistories());
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
    // The tracing interceptors did run: every activity was scheduled under a sampled span of the
    // workflow's own (a new span id), not with the caller's header passed on, most of them in the
    // caller's trace (the workflow tracer starts a new trace where its context is not carried).
    const spans = withTracing.activityTraces.map((t) => t.split('-'));
    expect(spans.length).toBeGreaterThan(10);
    for (const [, , spanId, flags] of spans)
      expect({ flags, fromWorkflow: spanId !== CALLER_SPAN_ID }).toEqual({ flags: '01', fromWorkflow: true });
    expect(spans.filter(([, traceId]) => traceId === TRACE_ID).length).toBeGreaterThan(spans.length / 2);
    // At least the finished runs drew from the workflow stream, so the comparison above means something.
    expect([...withTracing.observed.values()].filter((o) => o.finished.length > 0).length).toBeGreaterThan(10);
  }, 600_000);
});

/**
 * A workflow interceptor module for test/unit/replayWithInterceptors.test.ts (bundled into the
 * workflows, not a test itself): it reports, through a sink called during replay too, the input of
 * every activity the workflow schedules and, when the workflow returns, one draw from the
 * workflow's own random stream. The tracing interceptors must change neither.
 */
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import {
  type ActivityInput,
  defaultPayloadConverter,
  type Next,
  proxySinks,
  type Sinks,
  uuid4,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export interface ProbeSinks extends Sinks {
  probe: {
    activity(activityType: string, args: string): void;
    /** The OpenTelemetry header an activity was scheduled with, as the tracing interceptors left it. */
    activityTrace(traceparent: string): void;
    finished(draw: string): void;
  };
}

const { probe } = proxySinks<ProbeSinks>();

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [
    {
      async execute(input, next) {
        const result = await next(input);
        probe.finished(uuid4());
        return result;
      },
    },
  ],
  outbound: [
    {
      scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
        probe.activity(input.activityType, JSON.stringify(input.args));
        const trace = input.headers[TRACE_HEADER];
        const carrier = trace ? (defaultPayloadConverter.fromPayload(trace) as { traceparent?: unknown }) : undefined;
        if (typeof carrier?.traceparent === 'string') probe.activityTrace(carrier.traceparent);
        return next(input);
      },
    },
  ],
});

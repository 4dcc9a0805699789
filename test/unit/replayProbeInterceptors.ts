/**
 * A workflow interceptor module for test/unit/replayWithInterceptors.test.ts (bundled into the
 * workflows, not a test itself): it reports, through a sink called during replay too, the input of
 * every activity the workflow schedules and, when the workflow returns, one draw from the
 * workflow's own random stream. The tracing interceptors must change neither.
 */
import {
  type ActivityInput,
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
        return next(input);
      },
    },
  ],
});

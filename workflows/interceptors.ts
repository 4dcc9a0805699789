/**
 * Workflow interceptors (bundled with the workflows through `workflowInterceptorModules`, see
 * worker/createWorker.ts): OpenTelemetry spans (RunWorkflow, HandleUpdate, StartActivity, ...,
 * exported through the worker's `exporter` sink) and the request id of the HTTP call behind each
 * start, update and signal, on the workflow's log lines and passed on to its activities.
 *
 * Determinism: nothing here issues a command. Span ids are random, and the OpenTelemetry workflow
 * tracer draws them from Math.random, which in a workflow is the workflow's own seeded stream
 * (the one uuid4() uses): drawing from it would change the ids a workflow generates after a
 * deploy. Every OpenTelemetry interceptor call therefore runs on a named random stream of its own
 * (getRandomStream(...).with); `next(...)` gives workflow code its default stream back.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  type ActivityInput,
  AsyncLocalStorage,
  defaultPayloadConverter,
  type GetLogAttributesInput,
  getRandomStream,
  type LocalActivityInput,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
  type WorkflowRandomStream,
  workflowInfo,
} from '@temporalio/workflow';

/** The random stream of the tracing interceptors; its name is also how the worker tells a bundle has them. */
export const TRACING_RANDOM_STREAM = 'corebank.workflow-interceptors.tracing';
/** Same values as observability/requestContext.ts (workflow code does not import Node modules). */
const REQUEST_ID_HEADER = 'corebank-request-id';
const REQUEST_ID_MEMO_KEY = 'requestId';
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

type Headers = ActivityInput['headers'];
type RequestIdStore = InstanceType<typeof AsyncLocalStorage<string>>;

function requestIdOf(headers: Headers | undefined): string | undefined {
  const payload = headers?.[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload);
    return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Every method of the interceptor runs with its own random stream (see the module comment). */
function onOwnRandomStream<T extends object>(interceptor: T, stream: WorkflowRandomStream): T {
  return new Proxy(interceptor, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => stream.with(() => value.apply(target, args));
    },
  });
}

/** Handlers run with the request id their header carries; log lines and activities get it. */
class RequestIdInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly store: RequestIdStore) {}

  private within<R>(headers: Headers, fn: () => R): R {
    const requestId = requestIdOf(headers);
    return requestId ? this.store.run(requestId, fn) : fn();
  }

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    return this.within(input.headers, () => next(input));
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return this.within(input.headers, () => next(input));
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    this.within(input.headers, () => next(input));
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return this.within(input.headers, () => next(input));
  }
}

class RequestIdOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly store: RequestIdStore) {}

  /** The request of the handler running now, else the one that started the workflow (its memo). */
  private current(): string | undefined {
    const memo = workflowInfo().memo?.[REQUEST_ID_MEMO_KEY];
    return this.store.getStore() ?? (typeof memo === 'string' && SANE_REQUEST_ID.test(memo) ? memo : undefined);
  }

  private headers(headers: Headers): Headers {
    const requestId = this.current();
    return requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
  }

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next({ ...input, headers: this.headers(input.headers) });
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>) {
    return next({ ...input, headers: this.headers(input.headers) });
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>) {
    const requestId = this.current();
    return next(requestId ? { requestId, ...input } : input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const stream = getRandomStream(TRACING_RANDOM_STREAM);
  const requestIds = new AsyncLocalStorage<string>();
  return {
    inbound: [new RequestIdInbound(requestIds), onOwnRandomStream(new OpenTelemetryInboundInterceptor(), stream)],
    outbound: [new RequestIdOutbound(requestIds), onOwnRandomStream(new OpenTelemetryOutboundInterceptor(), stream)],
    internals: [
      new OpenTelemetryInternalsInterceptor(),
      {
        dispose(input, next) {
          requestIds.disable();
          next(input);
        },
      },
    ],
  };
};

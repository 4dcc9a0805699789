/**
 * Workflow interceptors (bundled with the workflows through `workflowInterceptorModules`, see
 * worker/createWorker.ts): OpenTelemetry spans (RunWorkflow, HandleUpdate, StartActivity, ...,
 * exported through the worker's `exporter` sink) for calls whose trace is sampled, and the request
 * id of the HTTP call behind each start, update and signal, on the workflow's log lines and passed
 * on to its activities.
 *
 * Determinism: nothing here issues a command. Span ids are random, and the OpenTelemetry workflow
 * tracer draws them from Math.random, which in a workflow is the workflow's own seeded stream
 * (the one uuid4() uses): drawing from it would change the ids a workflow generates after a
 * deploy. Every OpenTelemetry interceptor call therefore runs on a named random stream of its own
 * (getRandomStream(...).with); `next(...)` gives workflow code its default stream back.
 */

import type * as OpenTelemetryWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
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
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
  type WorkflowRandomStream,
  workflowInfo,
} from '@temporalio/workflow';
import { TRACE_HEADER, TRACING_RANDOM_STREAM } from './tracingStream';

// Its name is also how the worker tells a bundle has these interceptors.
export { TRACING_RANDOM_STREAM };

/**
 * The OpenTelemetry workflow interceptors' module, evaluated when a workflow's first sampled call
 * needs it, not at every workflow's start: with its OpenTelemetry packages it was a fifth of the
 * workflow thread's CPU per payment, for workflows that make no span. A module evaluation issues
 * no command and draws no random number, so where it happens changes nothing a workflow does.
 * webpack resolves this require into the bundle (the workflows only ever run bundled).
 */
function openTelemetryInterceptors(): typeof OpenTelemetryWorkflow {
  return require('@temporalio/interceptors-opentelemetry/lib/workflow/index.js');
}

/** Same values as observability/requestContext.ts (workflow code does not import Node modules). */
const REQUEST_ID_HEADER = 'corebank-request-id';
const REQUEST_ID_MEMO_KEY = 'requestId';
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

type Headers = ActivityInput['headers'];
type RequestIdStore = InstanceType<typeof AsyncLocalStorage<string>>;
/** The trace of the inbound call running now: sampled, or the caller's header to pass on. */
type TraceOfCall = { sampled: true } | { sampled: false; header: NonNullable<Headers>[string] };
type TraceStore = InstanceType<typeof AsyncLocalStorage<TraceOfCall>>;

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

/**
 * Whether the caller's trace context is sampled, that is, its spans are recorded somewhere (the
 * W3C trace flags in the OpenTelemetry header). A process that exports nothing samples nothing
 * (observability/tracing.ts), so its calls carry an unsampled context.
 */
function sampled(headers: Headers | undefined): boolean {
  const payload = headers?.[TRACE_HEADER];
  if (!payload) return false;
  try {
    const carrier = defaultPayloadConverter.fromPayload(payload) as { traceparent?: unknown } | null;
    const flags = typeof carrier?.traceparent === 'string' ? carrier.traceparent.split('-')[3] : undefined;
    return flags !== undefined && (Number.parseInt(flags, 16) & 1) === 1;
  } catch {
    return false;
  }
}

type Method = (input: unknown, next: (input: unknown) => unknown) => unknown;

/** The calls the OpenTelemetry interceptors make spans of (or add attributes to), by direction. */
const TRACED_INBOUND = ['execute', 'handleSignal', 'handleUpdate', 'validateUpdate', 'handleQuery'];
const TRACED_OUTBOUND = [
  'scheduleActivity',
  'scheduleLocalActivity',
  'startNexusOperation',
  'startChildWorkflowExecution',
  'continueAsNew',
  'signalWorkflow',
  'getLogAttributes',
  'getMetricTags',
];

/**
 * The OpenTelemetry interceptors only for calls whose trace is sampled: the spans of a workflow
 * cost about 17 ms of worker CPU per payment (their promises, each with a captured stack, and the
 * span work), a third of the worker's time, for spans nobody receives when nothing exports. An
 * inbound call decides by its own headers; outbound calls (activities, signals, children) follow
 * the inbound call they run in, and an unsampled one passes the caller's trace header on as it
 * came, so activities stay in the caller's trace. The decision is a function of the history's
 * headers, so a replay takes the same path. The OpenTelemetry interceptors (and their module) are
 * made on the first sampled call.
 */
function whenSampled<T extends object>(direction: 'inbound' | 'outbound', make: () => T, calls: TraceStore): T {
  const traced = direction === 'inbound' ? TRACED_INBOUND : TRACED_OUTBOUND;
  let made: T | undefined;
  const tracedMethod = (key: string) => {
    made ??= make();
    return (Reflect.get(made, key) as Method).bind(made);
  };
  return new Proxy({} as T, {
    get(_target, key) {
      // Only the calls the OpenTelemetry interceptors trace are intercepted at all.
      if (typeof key !== 'string' || !traced.includes(key)) return undefined;
      if (direction === 'inbound') {
        return (input: { headers?: Headers }, next: (input: unknown) => unknown) => {
          const header = input.headers?.[TRACE_HEADER];
          if (sampled(input.headers)) return calls.run({ sampled: true }, () => tracedMethod(key)(input, next));
          return header ? calls.run({ sampled: false, header }, () => next(input)) : next(input);
        };
      }
      return (input: { headers?: Headers }, next: (input: unknown) => unknown) => {
        const call = calls.getStore();
        if (call?.sampled) return tracedMethod(key)(input, next);
        if (call?.header && input.headers) return next({ ...input, headers: { ...input.headers, [TRACE_HEADER]: call.header } });
        return next(input);
      };
    },
  });
}

export const interceptors = (): WorkflowInterceptors => {
  const stream = getRandomStream(TRACING_RANDOM_STREAM);
  const requestIds = new AsyncLocalStorage<string>();
  const traceOfCall = new AsyncLocalStorage<TraceOfCall>();
  /** Set once a sampled call has loaded the OpenTelemetry interceptors in this workflow. */
  let tracedInternals: WorkflowInternalsInterceptor | undefined;
  const traced = () => {
    const otel = openTelemetryInterceptors();
    tracedInternals ??= new otel.OpenTelemetryInternalsInterceptor();
    return otel;
  };
  return {
    inbound: [
      new RequestIdInbound(requestIds),
      whenSampled('inbound', () => onOwnRandomStream(new (traced().OpenTelemetryInboundInterceptor)(), stream), traceOfCall),
    ],
    outbound: [
      new RequestIdOutbound(requestIds),
      whenSampled('outbound', () => onOwnRandomStream(new (traced().OpenTelemetryOutboundInterceptor)(), stream), traceOfCall),
    ],
    internals: [
      {
        dispose(input, next) {
          requestIds.disable();
          traceOfCall.disable();
          // The OpenTelemetry context manager of this workflow, when a sampled call made one.
          if (tracedInternals?.dispose) tracedInternals.dispose(input, next);
          else next(input);
        },
      },
    ],
  };
};

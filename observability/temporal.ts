import { trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type {
  ClientInterceptors,
  Next,
  WorkflowClientInterceptor,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
  WorkflowStartOutput,
  WorkflowStartUpdateInput,
  WorkflowStartUpdateOutput,
  WorkflowStartUpdateWithStartInput,
  WorkflowStartUpdateWithStartOutput,
} from '@temporalio/client';
import { defaultPayloadConverter, type Logger, type LogLevel, type LogMetadata, type Payload } from '@temporalio/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';
import { currentRequestId, isSaneRequestId, REQUEST_ID_MEMO_KEY, TEMPORAL_REQUEST_ID_HEADER } from './requestContext';
import type { Tracing } from './tracing';

/** The span attribute naming the request id on HTTP and activity spans. */
export const REQUEST_ID_ATTRIBUTE = 'corebank.request_id';

type Headers = Record<string, Payload>;

const withRequestId = (headers: Headers, requestId: string | undefined): Headers =>
  requestId ? { ...headers, [TEMPORAL_REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;

/** The request id a Temporal header carries, if any (and sane). */
export function requestIdOfHeaders(headers: Headers | undefined): string | undefined {
  const payload = headers?.[TEMPORAL_REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload(payload);
    return isSaneRequestId(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts the id of the HTTP request being served on every workflow start, update and signal (a
 * header the workflow interceptors read), and into the memo of a workflow it starts.
 */
class RequestIdClientInterceptor implements WorkflowClientInterceptor {
  private static memo<T extends { memo?: Record<string, unknown> }>(options: T, requestId: string | undefined): T {
    return requestId ? { ...options, memo: { ...options.memo, [REQUEST_ID_MEMO_KEY]: requestId } } : options;
  }

  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    const id = currentRequestId();
    return next({ ...input, headers: withRequestId(input.headers, id), options: RequestIdClientInterceptor.memo(input.options, id) });
  }

  startWithDetails(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'startWithDetails'>): Promise<WorkflowStartOutput> {
    const id = currentRequestId();
    return next({ ...input, headers: withRequestId(input.headers, id), options: RequestIdClientInterceptor.memo(input.options, id) });
  }

  startUpdate(input: WorkflowStartUpdateInput, next: Next<WorkflowClientInterceptor, 'startUpdate'>): Promise<WorkflowStartUpdateOutput> {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }

  startUpdateWithStart(
    input: WorkflowStartUpdateWithStartInput,
    next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>,
  ): Promise<WorkflowStartUpdateWithStartOutput> {
    const id = currentRequestId();
    return next({
      ...input,
      workflowStartHeaders: withRequestId(input.workflowStartHeaders, id),
      workflowStartOptions: RequestIdClientInterceptor.memo(input.workflowStartOptions, id),
      updateHeaders: withRequestId(input.updateHeaders, id),
    });
  }

  signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>): Promise<void> {
    return next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  }

  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>): Promise<string> {
    const id = currentRequestId();
    return next({ ...input, headers: withRequestId(input.headers, id), options: RequestIdClientInterceptor.memo(input.options, id) });
  }
}

/**
 * The interceptors of every Temporal client of the API: OpenTelemetry (a StartWorkflow /
 * UpdateWithStartWorkflow / StartWorkflowUpdate span whose context travels in the headers), then
 * the request id.
 */
export function temporalClientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor(), new RequestIdClientInterceptor()] };
}

/**
 * Activity interceptors of the worker: a RunActivity span (child of the workflow's StartActivity),
 * and the request id from the activity's header on the span and on the activity's log lines, which
 * also carry the span's trace id.
 */
export function activityInterceptors(): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    () => {
      let requestId: string | undefined;
      // The RunActivity span, for the SDK's own lines written outside it (`Activity completed`).
      let spanIds: { trace_id: string; span_id: string } | undefined;
      return {
        inbound: {
          execute(input, next) {
            requestId = requestIdOfHeaders(input.headers);
            const span = trace.getActiveSpan();
            if (requestId) span?.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
            const context = span?.spanContext();
            if (context && trace.isSpanContextValid(context)) spanIds = { trace_id: context.traceId, span_id: context.spanId };
            return next(input);
          },
        },
        outbound: {
          getLogAttributes(input, next) {
            return next({ ...spanIds, ...(requestId ? { requestId } : {}), ...input });
          },
        },
      };
    },
  ];
}

/**
 * The sink the workflow interceptors (workflows/interceptors.ts) export their spans through; with
 * no tracing set up, spans are dropped (the sink must exist for the bundle's interceptors).
 */
export function workflowSpanSinks(tracing: Tracing | undefined): InjectedSinks<any> {
  return {
    exporter: tracing
      ? makeWorkflowExporter(tracing.spanProcessor, tracing.resource)
      : makeWorkflowExporter(new NoopSpanProcessor(), Resource.empty()),
  };
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal Runtime's logger (SDK, workflow and activity log lines, and core's when forwarded)
 * as pino JSON lines. Workflow and activity lines carry their ids, the request id and the trace id
 * (`trace_id`, `span_id`) the interceptors add.
 */
export function pinoTemporalLogger(log: PinoLogger): Logger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const { error, ...rest } = (meta ?? {}) as LogMetadata & { error?: unknown };
    const fields = error === undefined ? rest : { ...rest, err: error };
    log[PINO_LEVEL[level] ?? 'info'](fields, message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

import { type Context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry tracing of one process (the API or the worker). The tracer provider is always
 * registered, with the W3C trace-context propagator and an AsyncLocalStorage context manager, so a
 * trace id is made for every request and carried through Temporal headers into workflows and
 * activities (and onto log lines) even when nothing is exported (then unsampled: no span is
 * recorded, and workflows make none). Spans leave the process by
 * OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set;
 * tests pass their own span processor (an in-memory exporter).
 */
export interface Tracing {
  resource: Resource;
  /** Every span processor of the process as one: the worker hands it to the workflow span sink. */
  spanProcessor: SpanProcessor;
  /** True when spans go anywhere (an exporter or a test's processor); SQL spans are only made then. */
  exporting: boolean;
  /** Flushes and stops the exporters. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** service.name, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  /** Replaces the OTLP exporter (tests). */
  spanProcessors?: SpanProcessor[];
  env?: NodeJS.ProcessEnv;
}

const SERVICE_VERSION = '0.1.0';

/** Whether an OTLP endpoint for traces is configured. */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

/** Hands every span to each processor in turn. */
class FanOutSpanProcessor implements SpanProcessor {
  constructor(private readonly processors: SpanProcessor[]) {}
  onStart(span: Span, parentContext: Context): void {
    for (const p of this.processors) p.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.shutdown()));
  }
}

let installed: Tracing | undefined;

/** Registers the process's tracer provider once; later calls return the first one. */
export function setupTracing(options: TracingOptions): Tracing {
  if (installed) return installed;
  const env = options.env ?? process.env;
  const resource = Resource.default()
    .merge(new Resource({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_SERVICE_VERSION]: SERVICE_VERSION }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
    .merge(envDetectorSync.detect());
  const processors = options.spanProcessors ?? (otlpTracesEndpoint(env) ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []);
  // Exporting nothing, record nothing: spans still carry ids (log lines, Temporal headers), their
  // context says "not sampled", and the workflows skip their spans for it (workflows/interceptors.ts).
  const sampler = processors.length > 0 ? undefined : new AlwaysOffSampler();
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors, ...(sampler ? { sampler } : {}) });
  provider.register();
  const spanProcessor = new FanOutSpanProcessor(processors);
  installed = {
    resource,
    spanProcessor,
    exporting: processors.length > 0,
    shutdown: () => provider.shutdown(),
  };
  return installed;
}

/** The tracing of this process, if set up. */
export function currentTracing(): Tracing | undefined {
  return installed;
}

/** The active span's ids for a log line (none outside a trace). */
export function traceFields(): { traceId?: string; spanId?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return {};
  return { traceId: context.traceId, spanId: context.spanId };
}

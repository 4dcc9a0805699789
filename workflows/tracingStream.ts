/**
 * The random stream of the workflow tracing interceptors (workflows/interceptors.ts). Its own
 * module so the worker process can check a bundle for it without loading the interceptors, which
 * import workflow-only code from @temporalio/interceptors-opentelemetry.
 */
export const TRACING_RANDOM_STREAM = 'corebank.workflow-interceptors.tracing';

/**
 * The header the OpenTelemetry interceptors carry a trace context in: TRACE_HEADER of
 * @temporalio/interceptors-opentelemetry/lib/instrumentation.js, which the workflow interceptors do
 * not import (it loads @opentelemetry/api into every workflow); test/unit/tracingStream.test.ts
 * holds the two equal.
 */
export const TRACE_HEADER = '_tracer-data';

/**
 * The random stream of the workflow tracing interceptors (workflows/interceptors.ts). Its own
 * module so the worker process can check a bundle for it without loading the interceptors, which
 * import workflow-only code from @temporalio/interceptors-opentelemetry.
 */
export const TRACING_RANDOM_STREAM = 'corebank.workflow-interceptors.tracing';

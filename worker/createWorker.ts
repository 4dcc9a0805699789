import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BundleOptions, bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from '../activities';
import type { PayloadKeys } from '../config/payloadKeys';
import { dataConverterFor } from '../observability/payloadCodec';
import { activityInterceptors, workflowSpanSinks } from '../observability/temporal';
import { currentTracing, type Tracing } from '../observability/tracing';
import { TRACING_RANDOM_STREAM } from '../workflows/tracingStream';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The workflow interceptors (traces, request ids): every workflow bundle must be made with them
 * (`bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS })`); a bundle made without them still runs,
 * but traces stop at the client and workflow log lines lose the request id.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/interceptors.ts', import.meta.url))];

/** What every workflow bundle is made of: the workflows and their interceptors. */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES };

/**
 * The modules a bundle evaluates once per worker thread instead of once per workflow (the SDK's
 * `preloadModules`): the workflows and our interceptors, with everything they import. A module
 * evaluated per workflow cost a payment about 1 ms of the workflow thread; preloaded, its exports
 * are frozen and every workflow shares its module scope, so our workflow modules keep no mutable
 * state at module level (test/integration/workflowBundle.test.ts checks it). Only ours: a module
 * from elsewhere may keep per-workflow state (the OpenTelemetry API keeps the tracer provider the
 * tracing interceptors register), and what a preloaded module imports is shared with it.
 */
export const preloadedModules = (bundle: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'>): string[] => [
  bundle.workflowsPath,
  ...(bundle.workflowInterceptorModules ?? []).filter((module) => WORKFLOW_INTERCEPTOR_MODULES.includes(module)),
];

/** Bundles the workflows with their interceptors (build, tests). */
export async function bundleWorkflows(options: Partial<BundleOptions> = {}): Promise<string> {
  const bundle = { ...WORKFLOW_BUNDLE_OPTIONS, ...options };
  const { code } = await bundleWorkflowCode({ logger: new DefaultLogger('WARN'), preloadModules: preloadedModules(bundle), ...bundle });
  return code;
}

/** Whether a bundle on disk was made with the workflow interceptors. */
export function bundleHasInterceptors(codePath: string): boolean {
  return readFileSync(codePath, 'utf8').includes(TRACING_RANDOM_STREAM);
}

/** Slots of a worker; the benchmark's baseline worker uses the same. */
export const WORKER_TUNING = {
  // Activities spend their time waiting on Postgres; the pool bounds the real concurrency.
  maxConcurrentActivityTaskExecutions: 64,
  maxConcurrentWorkflowTaskExecutions: 64,
};

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A bundle made once by bundleWorkflowCode (tests); otherwise the worker bundles at start. */
  workflowBundlePath?: string;
  /** The process's tracing (observability/tracing.ts): workflow spans leave through its processor. */
  tracing?: Tracing;
  /** After SIGTERM, how long running activities may finish before they are cancelled (default 0: at once). */
  shutdownGraceMs?: number;
  /** Encrypts every payload the worker writes (PAYLOAD_ENCRYPTION_KEYS); decrypts, and passes plain ones through. */
  payloadKeys?: PayloadKeys;
}

/** After the grace time, how much longer the worker waits for cancelled activities before it gives up. */
const SHUTDOWN_FORCE_MARGIN_MS = 10_000;

export async function createWorker(options: WorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundlePath, tracing, shutdownGraceMs = 0, payloadKeys, ...deps } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    // A bundle carries its interceptor modules inside it; when bundling here, they are added.
    ...(workflowBundlePath
      ? { workflowBundle: { codePath: workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: preloadedModules(WORKFLOW_BUNDLE_OPTIONS) } }),
    interceptors: {
      activity: activityInterceptors(),
      ...(workflowBundlePath ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    sinks: workflowSpanSinks(tracing ?? currentTracing()),
    activities: createActivities(deps),
    ...dataConverterFor(payloadKeys),
    // Activities are idempotent, so one cancelled after the grace is retried elsewhere; the force
    // time bounds a stop whose activities ignore cancellation.
    shutdownGraceTime: shutdownGraceMs,
    shutdownForceTime: shutdownGraceMs + SHUTDOWN_FORCE_MARGIN_MS,
    ...WORKER_TUNING,
  });
}

export { NativeConnection };

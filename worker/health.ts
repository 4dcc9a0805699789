import type { State } from '@temporalio/worker';

/** What the worker's /health/live and /health/ready answer: the status code and a small JSON body. */
export interface HealthAnswer {
  status: 200 | 503;
  body: { status: string; worker: string; checks?: Record<string, string> };
}

export interface WorkerHealthSource {
  /** The Temporal worker's state, or undefined while the process is still starting. */
  state: () => State | undefined;
  /** Postgres: resolves when it answers. */
  postgres: () => Promise<void>;
  timeoutMs: number;
}

/** States after which the process will not poll again without a restart. */
const DEAD: readonly State[] = ['FAILED', 'STOPPED'];

/**
 * Liveness: the process is starting or its worker has not failed or stopped (restart it otherwise).
 * A draining worker is still live: it is finishing its activities and must not be killed early.
 */
export function workerLiveness(source: WorkerHealthSource): HealthAnswer {
  const state = source.state() ?? 'STARTING';
  const live = !DEAD.includes(state as State);
  return { status: live ? 200 : 503, body: { status: live ? 'live' : 'dead', worker: state } };
}

/**
 * Readiness: the worker polls its task queue (RUNNING; not while starting or after SIGTERM) and
 * Postgres, which every activity needs, answers in time.
 */
export async function workerReadiness(source: WorkerHealthSource): Promise<HealthAnswer> {
  const state = source.state() ?? 'STARTING';
  const postgres = await answerWithin(source.postgres, source.timeoutMs);
  const ready = state === 'RUNNING' && postgres === 'ok';
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', worker: state, checks: { postgres } } };
}

async function answerWithin(probe: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([probe().then(() => 'ok'), timeout]);
  } catch (error) {
    return `unavailable: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200);
  } finally {
    clearTimeout(timer);
  }
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Child } from '../../dev/processes';
import { createTestApi, type TestApi, type TestApiOptions } from './api';
import { testEnv } from './env';
import { expectLedgerInvariants } from './invariants';
import { startWorkerProcess } from './workerProcess';

/**
 * The suite's API, created before its tests. After them it checks that the API logged no
 * unexpected error and that the ledger invariants hold, then closes it.
 */
export function useTestApi(options: TestApiOptions = {}): () => TestApi {
  let api: TestApi | undefined;
  beforeAll(async () => {
    api = await createTestApi(options);
  });
  afterAll(async () => {
    if (!api) return;
    expect(api.errors).toEqual([]);
    await expectLedgerInvariants(api.sql);
    await api.close();
  });
  return () => {
    if (!api) throw new Error('the test API is created in beforeAll');
    return api;
  };
}

/**
 * A worker process on a task queue of its own, so a suite can kill it without touching the
 * shared worker. Register it before useTestApi({ taskQueue }) so it starts first and stops last.
 */
export function useOwnWorker(env: NodeJS.ProcessEnv = {}) {
  const workers = useOwnWorkers(1, env);
  return { taskQueue: workers.taskQueue, start: () => workers.start(0), kill: () => workers.kill(0) };
}

/** `count` worker processes sharing one task queue of their own, as production runs several. */
export function useOwnWorkers(count: number, env: NodeJS.ProcessEnv = {}) {
  const taskQueue = `own-${randomUUID()}`;
  const workers: (Child | undefined)[] = Array.from({ length: count });
  const start = async (index: number) => {
    workers[index] = await startWorkerProcess({ ...testEnv(), databaseUrl: testEnv().runtimeDatabaseUrl, taskQueue, env });
  };
  beforeAll(async () => {
    for (let i = 0; i < count; i += 1) await start(i);
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker?.stop()));
  });
  return {
    taskQueue,
    start,
    /** A crash, not a graceful stop. */
    async kill(index: number) {
      workers[index]?.kill('SIGKILL');
      await workers[index]?.exited;
    },
  };
}

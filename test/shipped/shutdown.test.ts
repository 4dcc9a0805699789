import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltProcess, freshTaskQueue, startBuilt } from './builtProcess';
import { fundedCustomer, httpApi, settlementAccount } from './http';

/**
 * Shutdown that drains: SIGTERM to the built API while 200 writes are in flight. Every request gets
 * its answer, no connection is reset, readiness fails during the drain while the process still
 * serves, and it exits 0; then the worker stops cleanly on SIGTERM too.
 */
const WRITES = 200;
const WORKFLOW_WAIT_MS = 15_000;

let worker: BuiltProcess;
let apiProcess: BuiltProcess;

beforeAll(async () => {
  const taskQueue = freshTaskQueue();
  worker = await startBuilt('worker', { taskQueue, env: { WORKER_SHUTDOWN_GRACE_MS: '20000' } });
  // The drain is left at its default (WORKFLOW_WAIT_MS + 5 s), as in production.
  apiProcess = await startBuilt('api', {
    taskQueue,
    env: { WORKFLOW_WAIT_MS: String(WORKFLOW_WAIT_MS) },
    // 200 request lines would bury the figures; the process's own lines still show.
    quiet: (line) => line.includes('"msg":"request"'),
  });
});

afterAll(async () => {
  apiProcess?.child.kill();
  await worker?.child.stop(60_000);
});

/** A network-level failure of fetch, by its cause (ECONNRESET, UND_ERR_SOCKET, ...). */
const causeOf = (error: unknown) => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
};

describe('SIGTERM to the built API and worker', () => {
  it('answers every one of 200 writes in flight, with 0 connection resets, fails readiness while draining, then exits 0', async () => {
    const api = httpApi(apiProcess.url);
    const { accountId } = await fundedCustomer(api, '1.00');
    const settlement = await settlementAccount(api);
    const bearer = await api.tokenFor('system');

    let answered = 0;
    const writes = Array.from({ length: WRITES }, async () => {
      try {
        const res = await fetch(`${apiProcess.url}/internal/Payments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ debitAccountId: settlement, creditAccountId: accountId, amount: '0.01', currency: 'EUR' }),
        });
        await res.text();
        return { status: res.status };
      } catch (error) {
        return { error: causeOf(error) };
      } finally {
        answered += 1;
      }
    });
    // SIGTERM once the burst is under way: most writes are still waiting for their workflow.
    while (answered < 5) await new Promise((r) => setTimeout(r, 10));
    const inFlightAtSignal = WRITES - answered;
    const signalledAt = Date.now();
    apiProcess.child.process.kill('SIGTERM');

    // While draining: not ready, still live, and a new request is still served.
    await new Promise((r) => setTimeout(r, 300));
    const ready = await fetch(`${apiProcess.url}/health/ready`);
    const readyBody = (await ready.json()) as { errors: { message: string }[] };
    const live = await fetch(`${apiProcess.url}/health/live`);
    const newRead = await api.get(`/v2/ledger/internal/Accounts/${accountId}`);

    const results = await Promise.all(writes);
    const allAnsweredAfterMs = Date.now() - signalledAt;
    const exitCode = await apiProcess.child.exited;
    const exitedAfterMs = Date.now() - signalledAt;

    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    for (const r of results) {
      if ('status' in r && r.status !== undefined) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      else errors.set(r.error as string, (errors.get(r.error as string) ?? 0) + 1);
    }
    const resets = [...errors].filter(([cause]) => /ECONNRESET|UND_ERR_SOCKET|socket/i.test(cause)).reduce((n, [, c]) => n + c, 0);
    console.log(
      `[shipped] SIGTERM to node dist/api.js with ${inFlightAtSignal} of ${WRITES} writes in flight: ` +
        `${results.length - [...errors.values()].reduce((a, b) => a + b, 0)} answers (${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}), ` +
        `${resets} connection resets, ${[...errors].map(([c, n]) => `${c}: ${n}`).join(', ') || 'no other errors'}; ` +
        `readiness while draining ${ready.status}, liveness ${live.status}, a new read ${newRead.status}; ` +
        `last answer after ${(allAnsweredAfterMs / 1000).toFixed(1)} s, exit ${exitCode} after ${(exitedAfterMs / 1000).toFixed(1)} s`,
    );

    expect(errors.size, JSON.stringify([...errors])).toBe(0);
    expect(resets).toBe(0);
    expect(statuses.get(201)).toBe(WRITES);
    expect(ready.status).toBe(503);
    expect(readyBody.errors[0]?.message).toContain('draining');
    expect(live.status).toBe(200);
    expect(newRead.status).toBe(200);
    expect(exitCode).toBe(0);
    // It served for the whole drain (WORKFLOW_WAIT_MS + 5 s) before it closed.
    expect(exitedAfterMs).toBeGreaterThanOrEqual(WORKFLOW_WAIT_MS + 5_000);
    const messages = apiProcess.lines.map((line) => (JSON.parse(line) as { msg?: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'api draining: /health/ready answers 503, requests are still served',
        'api closing: no new connections, finishing the requests in flight',
        'api stopped',
      ]),
    );
  });

  it('the worker serves its own /health/live and /health/ready, and drains on SIGTERM', async () => {
    const live = await fetch(`${worker.url}/health/live`);
    const ready = await fetch(`${worker.url}/health/ready`);
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', worker: 'RUNNING', checks: { postgres: 'ok' } });
    worker.child.process.kill('SIGTERM');
    const exitCode = await worker.child.exited;
    const states = worker.lines.flatMap((line) => {
      const parsed = JSON.parse(line) as { msg?: string; state?: string };
      return parsed.msg === 'Worker state changed' && parsed.state ? [parsed.state] : [];
    });
    console.log(`[shipped] SIGTERM to node dist/worker.js: states ${states.join(' -> ')}, exit ${exitCode}`);
    expect(states).toEqual(expect.arrayContaining(['STOPPING', 'DRAINING', 'STOPPED']));
    expect(worker.lines.some((line) => line.includes('"worker stopped"'))).toBe(true);
    expect(exitCode).toBe(0);
  });
});

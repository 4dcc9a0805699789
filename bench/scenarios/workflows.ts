import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { BenchEnvironment } from '../environment';
import { measure, measurePair, summarize } from '../measure';
import type { Row } from '../report';

export interface WorkflowBenchOptions {
  durationMs: number;
  concurrencies: number[];
}

async function call(env: BenchEnvironment, path: string, body?: unknown): Promise<{ id: string; status: string }> {
  const res = await fetch(`${env.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.systemToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { value: { id: string; status: string } };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.value;
}

const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)] as string;
function pair(ids: string[]) {
  const debitAccountId = pick(ids);
  let creditAccountId = pick(ids);
  while (creditAccountId === debitAccountId) creditAccountId = pick(ids);
  return { debitAccountId, creditAccountId, amount: '0.01', currency: 'EUR' };
}

async function noopWorkflow(temporal: Client, taskQueue: string) {
  await temporal.workflow.execute('noopWorkflow', { workflowId: `noop-${randomUUID()}`, taskQueue });
}

/** Scenarios 4 and 5: payments over HTTP through API, Temporal and worker, against an empty workflow. */
export async function workflowScenarios(
  env: BenchEnvironment,
  accounts: string[],
  options: WorkflowBenchOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const concurrency of options.concurrencies) {
    const [baselineRun, onceRun] = await measurePair(
      { concurrency, durationMs: 2 * options.durationMs },
      () => noopWorkflow(env.temporal, env.noopTaskQueue),
      () => call(env, '/internal/Payments', pair(accounts)),
    );
    const [baseline, once] = [summarize(baselineRun), summarize(onceRun)];
    rows.push({ scenario: '4/5 baseline', variant: 'baseline: empty workflow + no-op activity', concurrency, ...baseline });
    const ratio = once.throughput / baseline.throughput;
    rows.push({
      scenario: '4 payment at once',
      variant: 'POST /internal/Payments',
      concurrency,
      ...once,
      baseline: { name: 'empty workflow', throughput: baseline.throughput },
      ratio,
      target: concurrency === 8 ? '>= 0.5x, p99 < 250 ms' : '>= 0.5x',
      met: ratio >= 0.5 && (concurrency !== 8 || once.p99 < 250),
    });
    log(
      `scenario 4 at ${concurrency}: ${once.throughput.toFixed(1)}/s (baseline ${baseline.throughput.toFixed(1)}/s), p99 ${once.p99.toFixed(0)} ms`,
    );

    const twoPhase = summarize(
      await measure({ concurrency, durationMs: options.durationMs }, async () => {
        const payment = await call(env, '/internal/Payments/draft', pair(accounts));
        await call(env, `/internal/Payments/${payment.id}/pend`);
        const posted = await call(env, `/internal/Payments/${payment.id}/post`);
        if (posted.status !== 'Posted') throw new Error(`payment ended ${posted.status}`);
      }),
    );
    rows.push({
      scenario: '5 two-phase payment',
      variant: 'draft -> pend -> post',
      concurrency,
      ...twoPhase,
      baseline: { name: 'empty workflow', throughput: baseline.throughput },
      ratio: twoPhase.throughput / baseline.throughput,
    });
    log(`scenario 5 at ${concurrency}: ${twoPhase.throughput.toFixed(1)} payments/s, p99 ${twoPhase.p99.toFixed(0)} ms`);
  }
  return rows;
}

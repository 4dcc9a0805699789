import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { paymentWorkflowId } from '../../domain/ids';
import type { BenchEnvironment } from '../environment';
import { describeSlowest } from '../historyGaps';
import { measure, measurePair, type Summary, summarize } from '../measure';
import type { Row } from '../report';

export interface WorkflowBenchOptions {
  durationMs: number;
  concurrencies: number[];
  /** The client that owns the accounts (outgoing transfers are made with its token). */
  clientId: string;
}

async function call(env: BenchEnvironment, path: string, body?: unknown, token = env.systemToken): Promise<{ id: string; status: string }> {
  const res = await fetch(`${env.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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

/** Scenario 4's operation: one payment at once between two of the accounts, through the API. */
export const payAtOnce = (env: BenchEnvironment, accounts: string[]) => call(env, '/internal/Payments', pair(accounts));

const floorWorkflow = (temporal: Client, taskQueue: string, type: 'emptyWorkflow' | 'noopWorkflow') =>
  temporal.workflow.execute(type, { workflowId: `${type}-${randomUUID()}`, taskQueue });

/**
 * CPU our processes spend per item (API + worker) over what the engine's floor costs its own
 * client and worker (the bench process + the no-op worker) per empty workflow, in the same run.
 */
function ownCpuRatio(row: Summary, floor: Summary): number | undefined {
  const [own, base] = [row.cpuMsPerItem, floor.cpuMsPerItem];
  if (!own || !base || base.client + base.floorWorker === 0) return undefined;
  return (own.api + own.worker) / (base.client + base.floorWorker);
}

/** No workflow scenario may have a p99 above this at 32 clients. */
const P99_CEILING_MS = 1_000;

/**
 * The #15 targets of one scenario row against the empty-workflow floor measured with it:
 * throughput at least `minRatio` of the floor's, and where given a p50 and p99 bound.
 */
function judge(
  row: Summary,
  floor: Summary,
  concurrency: number,
  rules: { minRatio: number; p50Ratio?: number; p99Ms?: number; maxOwnCpuRatio?: number },
): Pick<Row, 'ratio' | 'target' | 'met' | 'note' | 'ownCpuRatio'> {
  const ratio = row.throughput / floor.throughput;
  const targets: string[] = rules.minRatio > 0 ? [`>= ${rules.minRatio}x`] : [];
  let met = ratio >= rules.minRatio;
  const ownCpu = ownCpuRatio(row, floor);
  if (rules.maxOwnCpuRatio !== undefined && ownCpu !== undefined) {
    targets.push(`own CPU <= ${rules.maxOwnCpuRatio}x`);
    met &&= ownCpu <= rules.maxOwnCpuRatio;
  }
  if (rules.p50Ratio !== undefined) {
    targets.push(`p50 <= ${rules.p50Ratio}x floor`);
    met &&= row.p50 <= rules.p50Ratio * floor.p50;
  }
  const p99Ms = concurrency === 32 ? Math.min(rules.p99Ms ?? P99_CEILING_MS, P99_CEILING_MS) : rules.p99Ms;
  if (p99Ms !== undefined) {
    targets.push(`p99 < ${p99Ms} ms`);
    met &&= row.p99 < p99Ms;
  }
  const note = `p50 ${(row.p50 / floor.p50).toFixed(2)}x floor`;
  const cpu = ownCpu === undefined ? {} : { ownCpuRatio: ownCpu };
  return targets.length > 0 ? { ratio, target: targets.join(', '), met, note, ...cpu } : { ratio, note, ...cpu };
}

/**
 * Scenarios 4-6 through the API, Temporal and the worker, against the engine's floors measured
 * in the same run on the same server: an empty workflow (one workflow task) and one with a
 * single no-op activity.
 */
export async function workflowScenarios(
  env: BenchEnvironment,
  accounts: string[],
  options: WorkflowBenchOptions,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const on = `[${env.server}]`;
  const clientToken = await issueToken(LOCAL_JWT_SECRET, { role: 'client', sub: options.clientId });
  for (const concurrency of options.concurrencies) {
    // The slowest payments of the run, to read where their time went (historyGaps.ts).
    const timed: { id: string; ms: number }[] = [];
    const [floorRun, onceRun] = await measurePair(
      { concurrency, durationMs: 2 * options.durationMs, readCpu: env.readCpu },
      () => floorWorkflow(env.temporal, env.noopTaskQueue, 'emptyWorkflow'),
      async () => {
        const t0 = performance.now();
        const payment = await payAtOnce(env, accounts);
        timed.push({ id: payment.id, ms: performance.now() - t0 });
      },
    );
    const [floor, once] = [summarize(floorRun), summarize(onceRun)];
    const oneActivity = summarize(
      await measure({ concurrency, durationMs: options.durationMs, readCpu: env.readCpu }, () =>
        floorWorkflow(env.temporal, env.noopTaskQueue, 'noopWorkflow'),
      ),
    );
    const floorRef = { name: 'empty workflow', throughput: floor.throughput };
    rows.push({ scenario: '0 floor', variant: `${on} baseline: empty workflow`, concurrency, ...floor });
    rows.push({
      scenario: '0 floor',
      variant: `${on} baseline: empty workflow + 1 no-op activity`,
      concurrency,
      ...oneActivity,
      baseline: floorRef,
      ratio: oneActivity.throughput / floor.throughput,
    });
    const onceTargets =
      concurrency === 1
        ? { minRatio: 0, p50Ratio: 1.5, maxOwnCpuRatio: 1.3 }
        : { minRatio: 0.8, p50Ratio: 1.5, maxOwnCpuRatio: 1.3, ...(concurrency === 8 && env.server === 'cluster' ? { p99Ms: 250 } : {}) };
    rows.push({
      scenario: '4 payment at once',
      variant: `${on} POST /internal/Payments`,
      concurrency,
      ...once,
      baseline: floorRef,
      ...judge(once, floor, concurrency, onceTargets),
    });
    const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, 3);
    for (const line of await describeSlowest(
      env.temporal,
      slowest.map((t) => paymentWorkflowId(t.id)),
    )) {
      log(
        `${on}   slow payment (${slowest.find((t) => line.startsWith(paymentWorkflowId(t.id)))?.ms.toFixed(0)} ms at the client) ${line}`,
      );
    }
    log(
      `${on} scenario 4 at ${concurrency}: ${once.throughput.toFixed(1)}/s p50 ${once.p50.toFixed(0)} ms (floor ${floor.throughput.toFixed(1)}/s p50 ${floor.p50.toFixed(0)} ms), p99 ${once.p99.toFixed(0)} ms`,
    );

    const twoPhase = summarize(
      await measure({ concurrency, durationMs: options.durationMs, readCpu: env.readCpu }, async () => {
        const payment = await call(env, '/internal/Payments/draft', pair(accounts));
        await call(env, `/internal/Payments/${payment.id}/pend`);
        const posted = await call(env, `/internal/Payments/${payment.id}/post`);
        if (posted.status !== 'Posted') throw new Error(`payment ended ${posted.status}`);
      }),
    );
    rows.push({
      scenario: '5 two-phase payment',
      variant: `${on} draft -> pend -> post`,
      concurrency,
      ...twoPhase,
      baseline: floorRef,
      ...judge(twoPhase, floor, concurrency, { minRatio: 0.3 }),
    });
    log(`${on} scenario 5 at ${concurrency}: ${twoPhase.throughput.toFixed(1)} payments/s, p99 ${twoPhase.p99.toFixed(0)} ms`);

    // Creation answers once the money is held and the code is sent; the transfer then waits for
    // its code (the bench leaves it waiting: the environment is thrown away afterwards).
    const outgoing = summarize(
      await measure({ concurrency, durationMs: options.durationMs, readCpu: env.readCpu }, async () => {
        const transfer = await call(
          env,
          '/Transfers/outgoing',
          {
            accountId: pick(accounts),
            amount: '0.01',
            currency: 'EUR',
            reference: 'bench',
            recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
          },
          clientToken,
        );
        if (!transfer.id) throw new Error('no transfer id');
      }),
    );
    rows.push({
      scenario: '6 outgoing transfer',
      variant: `${on} POST /Transfers/outgoing (hold + code)`,
      concurrency,
      ...outgoing,
      baseline: floorRef,
      ...judge(outgoing, floor, concurrency, { minRatio: 0 }),
    });
    log(`${on} scenario 6 at ${concurrency}: ${outgoing.throughput.toFixed(1)} transfers/s, p99 ${outgoing.p99.toFixed(0)} ms`);
  }
  return rows;
}

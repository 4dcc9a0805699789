import { readFileSync } from 'node:fs';
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { createLocalNotifier } from '../../activities/notifier';
import { createSandboxProvider } from '../../activities/provider';
import { LOCAL_OTP_SECRET } from '../../config/env';
import { paymentStateQuery } from '../../contract/paymentMessages';
import { transferStateQuery } from '../../contract/transferMessages';
import { DEFAULT_TRANSFER_LIMITS } from '../../domain/limits';
import { closeEmptyAccount } from '../../ledger/accounts';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import { openHoldsOf } from '../../ledger/holds';
import { createTestApi, type TestApi } from '../support/api';
import { FAILURES, type Injection, Injector, type Kind, type Site, siteName, WORLD_CHANGES, type WorldChange } from './injector';
import { type Answer, MATRIX_WINDOW_MS, newKey, PATHS, type Parties, type Path, sleep, type WorkflowType } from './paths';

/**
 * The failure matrix (docs/api.md: "No money is ever held by a finished or broken workflow"): for each
 * workflow that holds money, each activity call site on each of its paths, and each way a step can
 * fail for good or the world can change just before it, a run is made to meet it; then the
 * invariant is checked: the run is not failed; it ends in a final status with none of its money
 * held, or waits as Stuck (outgoing) or for a fixed deploy (its workflow task retried) with its
 * holds intact; the read model says what the workflow says; every 2xx named a status the workflow
 * really took; the ledger's invariants hold.
 *
 * The sites are not listed here: each path is first run clean and its calls recorded, so a new
 * step on a path is covered without editing this file; a step of a workflow that no path reaches
 * fails the coverage check below (found by reading the workflow's source for activity calls).
 * Runs go through an in-process worker on a task queue of its own, against the run's real
 * PostgreSQL and Temporal; windows are short (MATRIX_WINDOW_MS) so timers fire in seconds.
 */

const TASK_QUEUE = `matrix-${process.pid}`;
const CONCURRENCY = 8;
/** How long a run may take to end or park after its last call. */
const SETTLE_MS = MATRIX_WINDOW_MS + 20_000;
const FINAL = new Set(['Posted', 'Cancelled', 'Completed', 'Failed', 'Expired', 'Returned', 'Rejected']);
/**
 * Where a run may wait for a person, holding what it holds: ops for a Stuck transfer, the client
 * for a Draft, or a Pending payment whose post or cancel was refused (its hold expires by itself).
 */
const PARKED = new Set(['Stuck', 'Draft', 'Pending']);
const STATUS_ATTRIBUTES = ['PaymentStatus', 'TransferStatus'];

interface Case {
  path: Path;
  site: Site;
  kind: Kind;
}

interface Outcome {
  case: Case;
  reached: boolean;
  applied: boolean;
  /** How the run ended or waits. */
  end: string;
  violations: string[];
}

let api: TestApi;

/** The worker's dependencies; the OTP settings are the API's (test/support/api.ts testAppDeps), so codes check out on both sides. */
const ACTIVITY_DEPS = () => ({
  sql: api.sql,
  provider: createSandboxProvider(api.sql, { decisionDelayMs: 100 }),
  notifier: createLocalNotifier(api.sql),
  otp: { secret: LOCAL_OTP_SECRET, ttlMs: 60_000, maxAttempts: 5, maxResends: 3, resendIntervalMs: 1_000 },
  transferLimits: DEFAULT_TRANSFER_LIMITS,
});
let worker: Worker;
let running: Promise<void>;
const injector = new Injector();

beforeAll(async () => {
  api = await createTestApi({
    taskQueue: TASK_QUEUE,
    confirmationWindowMs: MATRIX_WINDOW_MS,
    fx: { quoteTtlMs: MATRIX_WINDOW_MS, spread: '0.01', base: 'EUR', rates: { EUR: '1', USD: '1.08' } },
    workflowWaitMs: 15_000,
  });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: inject('temporalAddress') }),
    taskQueue: TASK_QUEUE,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: injector.wrap(createActivities(ACTIVITY_DEPS())),
    maxConcurrentActivityTaskExecutions: 32,
    maxConcurrentWorkflowTaskExecutions: 32,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await api?.close();
});

/** The world changes, made as the bank's staff or the payee would. */
function worldChange(kind: WorldChange, p: Parties): () => Promise<boolean> {
  switch (kind) {
    case 'blockClient':
      return async () => (await api.put(`/internal/Clients/${p.clientId}/block`, { reason: 'matrix' })).status === 200;
    case 'blockAccount':
      return async () => (await api.put(`/internal/Accounts/${p.accountId}/block`)).status === 200;
    case 'closeRecipient':
      // The payee closes its account (only an empty one closes; else the change does not apply).
      return async () => p.recipientAccountId !== null && (await closeEmptyAccount(api.sql, p.recipientAccountId)) !== undefined;
  }
}

const handleOf = (workflowId: string) => api.temporal.workflow.getHandle(workflowId);

/** Waits until the run has ended or parked (Stuck, Draft, or its workflow task failing). */
async function settle(handle: WorkflowHandle, path: Path): Promise<string> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    let description: Awaited<ReturnType<WorkflowHandle['describe']>>;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'not started';
      throw error;
    }
    if (description.status.name !== 'RUNNING') return description.status.name;
    if (await workflowTaskFailed(handle)) return 'task retrying';
    const state = await queryState(handle, path.workflow).catch(() => null);
    // A Pending payment on a path that ends by its hold's expiry is not parked: its timer is the step under test.
    if (state && PARKED.has(state) && !(path.endsByTimer && state === 'Pending')) return state;
    if (Date.now() > deadline) {
      // A query waits on a failing workflow task: look at the history once more before judging.
      if (await workflowTaskFailed(handle)) return 'task retrying';
      return `still ${state ?? 'running'}`;
    }
    await sleep(200);
  }
}

/** The run's workflow task failed (and is retried): it waits for a fixed deploy. */
async function workflowTaskFailed(handle: WorkflowHandle): Promise<boolean> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).some((event) => event.workflowTaskFailedEventAttributes);
}

async function queryState(handle: WorkflowHandle, workflow: WorkflowType): Promise<string | null> {
  const state = workflow === 'paymentWorkflow' ? await handle.query(paymentStateQuery) : await handle.query(transferStateQuery);
  return state?.status ?? null;
}

/** The statuses the run really took: what it upserted as its status search attribute. */
async function statusesTaken(handle: WorkflowHandle): Promise<Set<string>> {
  const taken = new Set<string>();
  const history = await handle.fetchHistory();
  for (const event of history.events ?? []) {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    for (const key of STATUS_ATTRIBUTES) {
      const data = fields[key]?.data;
      if (data) taken.add(JSON.parse(Buffer.from(data).toString()));
    }
  }
  return taken;
}

async function judge(c: Case, parties: Parties, key: string, answers: Answer[], injection: Injection): Promise<Outcome> {
  const workflowId = c.path.workflowId(parties, key);
  const handle = handleOf(workflowId);
  const end = await settle(handle, c.path);
  const violations: string[] = [];
  const holds = await openHoldsOf(api.sql, c.path.owner(parties, key));
  const record = await api.get(c.path.readPath(parties, key));
  const stored: string | null = record.status === 200 ? record.body.value.status : null;
  if (end === 'not started') {
    if (holds.length > 0) violations.push('money held without a workflow');
  } else if (end === 'COMPLETED') {
    const result = (await handle.result()) as { status: string };
    if (!FINAL.has(result.status)) violations.push(`completed in ${result.status}, not a final status`);
    if (holds.length > 0) violations.push(`finished ${result.status} holding ${holds.length} hold(s)`);
    const expected = result.status === 'Rejected' ? [null, 'Failed', 'Cancelled'] : [result.status];
    if (!expected.includes(stored)) violations.push(`read model says ${stored}, the workflow ${result.status}`);
  } else if (end === 'task retrying') {
    // Waits for a fixed deploy with everything as it was: allowed, and counted.
  } else if (PARKED.has(end)) {
    if (stored !== end) violations.push(`read model says ${stored}, the workflow ${end}`);
    if (end === 'Draft' && holds.length > 0) violations.push('a Draft holds money');
  } else {
    const why =
      end === 'FAILED' ? await handle.result().catch((e: Error) => `: ${(e.cause as Error | undefined)?.message ?? e.message}`) : '';
    violations.push(`ended as ${end}${why}`);
  }
  if (end !== 'not started') {
    const taken = await statusesTaken(handle);
    for (const answer of answers) {
      if (answer.status < 300 && answer.named && !taken.has(answer.named)) {
        violations.push(`${answer.call} answered ${answer.status} ${answer.named}, a status the workflow never took`);
      }
    }
  }
  for (const answer of answers)
    if (answer.status >= 500 && answer.status !== 503) violations.push(`${answer.call} answered ${answer.status}`);
  return { case: c, reached: injection.reached ?? false, applied: injection.applied ?? false, end, violations };
}

async function runCase(c: Case): Promise<Outcome> {
  const parties = await c.path.setup(api);
  const key = newKey();
  const injection: Injection = {
    site: c.site,
    kind: c.kind,
    ...((WORLD_CHANGES as readonly string[]).includes(c.kind) ? { change: worldChange(c.kind as WorldChange, parties) } : {}),
  };
  injector.arm(c.path.workflowId(parties, key), injection);
  const answers = await c.path.drive(api, parties, key);
  return judge(c, parties, key, answers, injection);
}

/** Runs `fn` over `items`, `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The activities each workflow's source calls through its proxies: what its paths must reach. */
function activitiesCalledIn(workflow: WorkflowType): Set<string> {
  const file = { paymentWorkflow: 'payment', outgoingTransferWorkflow: 'outgoingTransfer', fxTransferWorkflow: 'fxTransfer' }[workflow];
  const source = readFileSync(new URL(`../../workflows/${file}.ts`, import.meta.url), 'utf8');
  const known = new Set(Object.keys(createActivities(ACTIVITY_DEPS())));
  const called = new Set<string>();
  for (const match of source.matchAll(/\b[a-zA-Z]+\.([a-z][A-Za-z]+)\(/g))
    if (known.has(match[1] as string)) called.add(match[1] as string);
  return called;
}

describe('the failure matrix: every step of every money-holding workflow fails, or the world changes before it', () => {
  it('never leaves a workflow failed, or finished, holding money', async () => {
    // 1. Each path once, clean: the sites it calls, from the code as it runs.
    const sitesByPath = new Map<Path, Site[]>();
    await pool(PATHS, CONCURRENCY, async (path) => {
      const parties = await path.setup(api);
      const key = newKey();
      const answers = await path.drive(api, parties, key);
      const outcome = await judge({ path, site: { activity: '-', occurrence: 0 }, kind: 'refused' }, parties, key, answers, {
        site: { activity: '-', occurrence: 0 },
        kind: 'refused',
      });
      expect(outcome.violations, `${path.name} (clean)`).toEqual([]);
      sitesByPath.set(path, injector.sitesOf(path.workflowId(parties, key)));
    });

    // Every activity a workflow's source calls is reached by one of its paths.
    for (const workflow of new Set(PATHS.map((p) => p.workflow))) {
      const reached = new Set(
        PATHS.filter((p) => p.workflow === workflow).flatMap((p) => sitesByPath.get(p)?.map((s) => s.activity) ?? []),
      );
      expect(
        [...activitiesCalledIn(workflow)].filter((a) => !reached.has(a)),
        `${workflow}: steps no path reaches`,
      ).toEqual([]);
    }

    // 2. Each site of each path, each failure and each world change.
    const cases: Case[] = PATHS.flatMap((path) =>
      (sitesByPath.get(path) ?? []).flatMap((site) => [...FAILURES, ...WORLD_CHANGES].map((kind) => ({ path, site, kind }))),
    );
    // MATRIX_ONLY=<text>: only the cases whose name holds it (to look at one edge).
    const only = process.env.MATRIX_ONLY;
    if (only) cases.splice(0, cases.length, ...cases.filter((c) => `${c.path.name} / ${siteName(c.site)} / ${c.kind}`.includes(only)));
    const started = Date.now();
    const outcomes = await pool(cases, CONCURRENCY, runCase);

    const broken = outcomes.filter((o) => o.violations.length > 0);
    const count = (end: string) => outcomes.filter((o) => o.end === end).length;
    const workflows = new Set(cases.map((c) => c.path.workflow)).size;
    const sites = new Set(cases.map((c) => `${c.path.name}/${siteName(c.site)}`)).size;
    console.log(
      `[failure matrix] ${workflows} workflow types x ${sites} sites (on ${PATHS.length} paths) x ${FAILURES.length + WORLD_CHANGES.length} kinds = ` +
        `${cases.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s; sites reached ${outcomes.filter((o) => o.reached).length}, ` +
        `world changes applied ${outcomes.filter((o) => o.applied).length}; ended final ${count('COMPLETED')}, Stuck ${count('Stuck')}, ` +
        `Draft ${count('Draft')}, waiting for a fix (task retried) ${count('task retrying')}; broke the invariant: ${broken.length}`,
    );
    const byKind = [...FAILURES, ...WORLD_CHANGES].map((kind) => {
      const of = outcomes.filter((o) => o.case.kind === kind);
      return `${kind} ${of.filter((o) => o.reached).length}/${of.length}`;
    });
    console.log(`[failure matrix] reached by kind: ${byKind.join(', ')}`);
    for (const o of broken)
      console.log(`  ${o.case.path.name} / ${siteName(o.case.site)} / ${o.case.kind}: ${o.end}: ${o.violations.join('; ')}`);
    expect(broken.map((o) => `${o.case.path.name} / ${siteName(o.case.site)} / ${o.case.kind}: ${o.violations.join('; ')}`)).toEqual([]);
    expect(outcomes.filter((o) => !o.reached && o.case.kind !== 'lost').length, 'sites a run never reached').toBeLessThan(cases.length / 4);

    const report = await checkInvariants(api.sql);
    expect(report.ok, formatInvariantReport(report)).toBe(true);
  }, 900_000);
});

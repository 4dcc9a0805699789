import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { derivedId } from '../../domain/ids';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import type { Sql } from '../../ledger/db';
import { findStrandedHoldsEverywhere } from '../../store/strandedHolds';
import { type BackOfficeContext, backOfficeScenario, checkBackOffice } from './backOffice';
import { type FaultKind, replyLoss, startCluster } from './cluster';
import {
  blockedFxScenario,
  blockedPaymentScenario,
  blockedTransferScenario,
  checkEdges,
  checkWorkflowsAgree,
  closingPayeeScenario,
  type EdgeContext,
  isBlockRefusal,
  type Party,
  type Payee,
  unblockAll,
} from './edges';
import { checkFx, type FxCustomer, finishFx, fxScenario, type LeftToExpire, openFxCustomer } from './fx';
import { checkReturns, returnScenario } from './returns';
import type { UnexpectedExit } from './supervisor';
import { checkTransfers, customerToken, finishTransfers, type TransferCustomer, transferScenario } from './transfers';
import { checkWebhooks, registerReceiver, startWebhookReceiver } from './webhooks';
import { createClient, describeExchange, errorCode, isDefinitive, type RequestRecord } from './workload';

/**
 * `npm run test:faults`: Jepsen's bank test, scaled to one machine. Concurrent clients drive
 * payments, outgoing transfers with their one-time code, FX transfers (fx.ts), incoming transfers,
 * and unknown incoming ones that ops returns or assigns (returns.ts) through the real API while
 * the worker and the API are killed (SIGKILL), and Temporal and PostgreSQL (immediate shutdown)
 * restarted, one fault at a time; the worker also loses a share of activity replies
 * (FAULT_REPLY_LOSS, 0.1 by default). The back office blocks and unblocks clients and accounts
 * with payments and transfers in flight, and payees close their accounts while Internal transfers
 * to them are in flight (edges.ts). Once a round the whole stack is SIGKILLed at once. A webhook
 * receiver registered for every event fails and times out at random (webhooks.ts). Then a checker
 * compares the ledger with every answer the clients saw, the read model with every workflow's
 * end, and the receiver's requests with the event log (delivered, in order, one body per id).
 */
const MIN_OPERATIONS = Number(process.env.FAULT_OPERATIONS ?? 2_000);
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 3);
const CLIENTS = 8;
/** FAULT_KILL_STACK=0 leaves out the whole-stack SIGKILL (to tell its findings from the others'). */
const FAULT_KINDS: FaultKind[] = ['kill-worker', 'kill-api', 'restart-temporal', 'restart-postgres', 'kill-stack'].filter(
  (kind) => kind !== 'kill-stack' || process.env.FAULT_KILL_STACK !== '0',
) as FaultKind[];
const SUB = 'fault-suite';
/** Operations of the run's setup and end phase, not of the workload under faults. */
const outsideWorkload = (op: string) => op === 'setup' || op.startsWith('end-');

async function main() {
  const started = Date.now();
  const log = (line: string) => console.log(`[faults +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  log(`reply loss ${replyLoss()}`);
  const receiver = await startWebhookReceiver();
  const cluster = await startCluster(log);
  // Interrupted: stop the processes of the cluster too, and remove its data.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the cluster`);
      void cluster
        .stop()
        .catch(() => {})
        .finally(() => process.exit(130));
    });
  }
  const bearer = await issueToken(LOCAL_JWT_SECRET, { role: 'system', sub: SUB });
  const opsBearer = await issueToken(LOCAL_JWT_SECRET, { role: 'ops', sub: SUB });
  const history: RequestRecord[] = [];
  const send = createClient(cluster.apiUrl, bearer, history);
  const transferCtx = { apiUrl: cluster.apiUrl, systemBearer: bearer, send };
  const violations: string[] = [];
  const faults: Record<string, number> = {};
  const exits: UnexpectedExit[] = [];
  let transferFinals: Record<string, number> = {};
  let fxFinals: Record<string, number> = {};
  let returnFinals: Record<string, number> = {};
  let backOfficeFinals: Record<string, number> = {};
  let fxEnd = '';
  let endPhase = '';
  let payeeAccounts: Record<string, number> = {};
  let agreement = '';
  let webhooks = '';

  try {
    // First of all the webhook endpoint, so that every event of the run is sent to it.
    const endpointId = await registerReceiver(send, receiver);
    // Setup, before any fault: accounts with money, and one transfer customer per workload client.
    const openAccount = async (i: number, funding: string) => {
      const client = await send('setup', 'POST', '/internal/Clients', {
        type: 'individual',
        firstName: 'F',
        lastName: `${i}`,
        email: `f${i}@example.com`,
        country: 'DE',
      });
      const account = await send('setup', 'POST', '/v2/internal/Accounts', {
        clientId: client?.body.value.id,
        currency: 'EUR',
        purpose: 'current',
        name: 'a',
      });
      const settlement = (
        await send('setup', 'POST', '/v2/ledger/internal/Accounts/search', { kind: 'internal', currency: 'EUR', purpose: 'settlement' })
      )?.body.value.items[0].id;
      await send('setup', 'POST', '/internal/Payments', {
        debitAccountId: settlement,
        creditAccountId: account?.body.value.id,
        amount: funding,
        currency: 'EUR',
      });
      return {
        clientId: client?.body.value.id as string,
        accountId: account?.body.value.id as string,
        number: account?.body.value.accountNumber as string,
      };
    };
    const opened = [];
    for (let i = 0; i < 12; i++) opened.push(await openAccount(i, '500.00'));
    const accounts = opened.map((a) => a.accountId);
    const numbers = opened.map((a) => a.number);
    // The back office's payer (funded for reversals above the approval threshold) and payee.
    const boPayer = await openAccount(200, '2000000.00');
    const boPayee = await openAccount(201, '0.01');
    const backOfficeCtx: BackOfficeContext = {
      apiUrl: cluster.apiUrl,
      send,
      opsBearer,
      payerAccountId: boPayer.accountId,
      payeeAccountId: boPayee.accountId,
    };
    const customers: TransferCustomer[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { clientId, accountId } = await openAccount(100 + i, '3000.00');
      customers.push({ clientId, accountId, bearer: await customerToken(clientId) });
    }
    // One FX customer per workload client, with a funded EUR and USD account.
    const fxCustomers: FxCustomer[] = [];
    for (let i = 0; i < CLIENTS; i++) fxCustomers.push(await openFxCustomer(transferCtx, 200 + i, '2000.00'));
    // One payee per workload client: opens an empty account per closing scenario, and closes it.
    const payees: Payee[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = await send('setup', 'POST', '/internal/Clients', {
        type: 'individual',
        firstName: 'P',
        lastName: `${300 + i}`,
        email: `p${i}@example.com`,
        country: 'DE',
      });
      const clientId = client?.body.value.id as string;
      payees.push({ clientId, bearer: await customerToken(clientId) });
    }
    const edgeCtx: EdgeContext = {
      ...transferCtx,
      sql: cluster.sql,
      violations: [],
      blocked: { clients: new Set(), accounts: new Set() },
      payees: new Set(payees.map((p) => p.clientId)),
    };
    const parties: Party[] = opened.map((a) => ({ clientId: a.clientId, accountId: a.accountId }));
    const leftToExpire: LeftToExpire[] = [];
    const returnCtx = { send, opsBearer };
    log(`setup done: ${accounts.length} funded accounts, ${customers.length} transfer customers, ${fxCustomers.length} FX customers`);

    const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
    const pair = () => {
      const debitAccountId = pick();
      let creditAccountId = pick();
      while (creditAccountId === debitAccountId) creditAccountId = pick();
      return { debitAccountId, creditAccountId, currency: 'EUR', amount: (1 + Math.random() * 120).toFixed(2) };
    };
    const operations = () => history.filter((r) => !outsideWorkload(r.op)).length;

    let faultsDone = false;
    const workload = Array.from({ length: CLIENTS }, async (_, client) => {
      while (operations() < MIN_OPERATIONS || !faultsDone) {
        const dice = Math.random();
        if (dice < 0.22) {
          await send('immediate', 'POST', '/internal/Payments', pair());
        } else if (dice < 0.28) {
          // Concurrent actions on one payment, as two back-office tools or a retrying client send them.
          const draft = await send('draft', 'POST', '/internal/Payments/draft', pair());
          const id = draft?.status === 201 ? draft.body.value.id : undefined;
          if (!id) continue;
          const actions = Array.from(
            { length: 2 + Math.floor(Math.random() * 3) },
            () => ['pend', 'post', 'cancel'][Math.floor(Math.random() * 3)] as string,
          );
          await Promise.all(actions.map((action) => send(action, 'POST', `/internal/Payments/${id}/${action}`)));
          // Whatever won, the payment must not stay open for ever: cancel what is still open.
          await send('cancel', 'POST', `/internal/Payments/${id}/cancel`);
        } else if (dice < 0.48) {
          const draft = await send('draft', 'POST', '/internal/Payments/draft', pair());
          const id = draft?.status === 201 ? draft.body.value.id : undefined;
          if (!id) continue;
          const pend = Math.random() < 0.8 ? await send('pend', 'POST', `/internal/Payments/${id}/pend`) : undefined;
          const finish = pend?.status === 200 && Math.random() < 0.7 ? 'post' : 'cancel';
          const finished = await send(finish, 'POST', `/internal/Payments/${id}/${finish}`);
          // Another workload client blocked the paying account or its client meanwhile (edges.ts): cancel instead.
          if ((pend !== undefined && isBlockRefusal(pend)) || isBlockRefusal(finished))
            await send('cancel', 'POST', `/internal/Payments/${id}/cancel`);
        } else if (dice < 0.56) {
          const providerReference = `PR-${Math.random().toString(36).slice(2)}`;
          const known = Math.random() < 0.8;
          await send('incoming', 'POST', '/internal/IncomingRequests', {
            providerReference,
            amount: (1 + Math.random() * 50).toFixed(2),
            currency: 'EUR',
            senderName: 'ACME',
            ...(known
              ? { receiverAccountNumber: numbers[Math.floor(Math.random() * numbers.length)] }
              : { receiverIban: 'DE02120300000000202051' }),
          });
        } else if (dice < 0.62) {
          await returnScenario(returnCtx, accounts);
        } else if (dice < 0.72) {
          await fxScenario(transferCtx, fxCustomers[client] as FxCustomer, leftToExpire);
        } else if (dice < 0.82) {
          await transferScenario(transferCtx, customers[client] as TransferCustomer, numbers);
        } else if (dice < 0.87) {
          await blockedPaymentScenario(edgeCtx, parties);
        } else if (dice < 0.91) {
          await blockedTransferScenario(edgeCtx, customers[client] as TransferCustomer, numbers);
        } else if (dice < 0.94) {
          await blockedFxScenario(edgeCtx, fxCustomers[client] as FxCustomer);
        } else if (dice < 0.97) {
          await backOfficeScenario(backOfficeCtx);
        } else {
          await closingPayeeScenario(edgeCtx, customers[client] as TransferCustomer, payees[client] as Payee);
        }
      }
    });

    // Faults are spread over the workload: the k-th of n waits for k/(n+1) of the operations, and
    // at least 6 s after the one before, so the system has a moment to recover in between.
    const injector = (async () => {
      const total = ROUNDS * FAULT_KINDS.length;
      let k = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        for (const kind of FAULT_KINDS) {
          k += 1;
          await new Promise((r) => setTimeout(r, 6_000));
          while (operations() < (k / (total + 1)) * MIN_OPERATIONS) await new Promise((r) => setTimeout(r, 250));
          log(`round ${round}: ${kind} (after ${operations()} operations)`);
          await cluster.inject(kind);
          faults[kind] = (faults[kind] ?? 0) + 1;
        }
      }
      faultsDone = true;
    })();
    await Promise.all([injector, ...workload]);
    log(`workload done: ${operations()} operations`);
    await unblockAll(edgeCtx);

    const ended = await finishTransfers(cluster.sql, transferCtx, opsBearer, log);
    endPhase = `${ended.cancelled} cancels of transfers waiting for their code, ${ended.continued} continues of Stuck ones by ops`;
    const fxEnded = await finishFx(cluster.sql, transferCtx, leftToExpire, log);
    fxEnd = `${leftToExpire.length} quotes left to expire, ${fxEnded.lateConfirms} of them confirmed late`;
    await settle(cluster.sql, log);
    await check(cluster.sql, history, violations);
    transferFinals = await checkTransfers(cluster.sql, history, violations, cluster.describeWorkflow);
    fxFinals = await checkFx(cluster.sql, history, violations, cluster.describeWorkflow);
    returnFinals = await checkReturns(cluster.sql, history, violations, cluster.describeWorkflow);
    backOfficeFinals = await checkBackOffice(cluster.sql, history, violations);
    payeeAccounts = await checkEdges(cluster.sql, edgeCtx, history, violations);
    const agreed = await checkWorkflowsAgree(cluster.sql, cluster.workflowOutcome, violations);
    agreement = `${agreed.compared} workflows compared with the read model (${agreed.stillRunning} still running at the first look)${agreed.noWorkflow > 0 ? `, ${agreed.noWorkflow} rows without a workflow` : ''}`;
    webhooks = await checkWebhooks(cluster.sql, receiver, endpointId, history, violations, log);
    const report = await checkInvariants(cluster.sql);
    if (!report.ok) violations.push(`ledger invariants: ${formatInvariantReport(report)}`);
    // Also the holds of a payment or transfer that still looks live but whose workflow has ended.
    const workflowEnded = async (workflowId: string) =>
      cluster.workflowOutcome(workflowId).then(
        (o) => o.execution !== 'RUNNING',
        (error: Error) => /not found/i.test(error.message),
      );
    const stranded = await findStrandedHoldsEverywhere(cluster.sql, workflowEnded, { limit: 20 });
    if (stranded.length > 0)
      violations.push(`holds stranded on finished payments or transfers, or on ended runs: ${formatInvariantReport(stranded as never)}`);
  } finally {
    exits.push(...cluster.unexpectedExits());
    await cluster.stop().catch(() => {});
    await receiver.stop().catch(() => {});
  }

  // A request nobody answered for 40 attempts (about two minutes, faults healed meanwhile): a
  // liveness failure, shown with every attempt.
  const unanswered = history.filter((r) => !r.final);
  for (const r of unanswered) {
    const codes = r.attempts.map((a) => `${a.status}${a.replayed ? ' replayed' : ''} ${errorCode(a) ?? ''}`.trim());
    const span = ((r.attempts.at(-1)?.at ?? 0) - (r.attempts[0]?.at ?? 0)) / 1000;
    violations.push(
      `${r.op} ${r.method} ${r.path} key ${r.key}: unanswered after ${r.attempts.length} attempts over ${span.toFixed(0)} s (${codes.join(', ')})`,
    );
  }

  // A 409 other than "in progress" is final under its key (see isDefinitive): show how each came about.
  const conflicts = history.filter((r) => r.final?.status === 409);
  if (conflicts.length > 15) console.log(`${conflicts.length} requests ended in 409; the first 15:`);
  for (const r of conflicts.slice(0, 15)) {
    const codes = r.attempts.map((a) => `${a.status}${a.replayed ? ' replayed' : ''} ${errorCode(a) ?? ''}`.trim());
    console.log(`409 ${r.op} ${r.method} ${r.path}: ${codes.join(', ')} (${r.final?.body?.errors?.[0]?.message})`);
  }
  const ops = history.filter((r) => !outsideWorkload(r.op));
  const lost = ops.filter((r) => r.attempts.some((a) => a.status === 'lost' || (typeof a.status === 'number' && a.status >= 500))).length;
  console.log(
    [
      '',
      'Fault suite summary',
      `  operations         ${ops.length} (${summarizeOps(ops)})`,
      `  requests retried   ${lost} (an answer was lost or was 5xx, retried with the same Idempotency-Key)`,
      `  faults injected    ${Object.entries(faults)
        .map(([k, n]) => `${k} x${n}`)
        .join(', ')}, activity replies lost: ${replyLoss() * 100} %`,
      `  transfers          ${Object.entries(transferFinals)
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')}; at the end ${endPhase}`,
      `  fx transfers       ${formatCounts(fxFinals)}; ${fxEnd}`,
      `  unknown incoming   ${formatCounts(returnFinals)} (Completed: assigned by ops, Returned: sent back by ops)`,
      `  back office        ${formatCounts(backOfficeFinals)} (reversals, approvals approved/rejected, returned transfers)`,
      `  payee accounts     ${formatCounts(payeeAccounts)} (account status, then its Internal transfers)`,
      `  workflows          ${agreement}`,
      `  webhooks           ${webhooks}`,
      `  exited by itself   ${exits.length === 0 ? 'none' : exits.map((e) => `${e.name} pid ${e.pid} (code ${e.code}, signal ${e.signal})`).join(', ')}`,
      `  violations         ${violations.length}`,
      ...violations.slice(0, 30).map((v) => `    - ${v}`),
    ].join('\n'),
  );
  const ok = violations.length === 0 && ops.length >= MIN_OPERATIONS;
  console.log(`${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
  process.exit(ok ? 0 : 1);
}

const formatCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort()
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ') || 'none';

function summarizeOps(ops: RequestRecord[]) {
  const counts: Record<string, number> = {};
  for (const r of ops) {
    const code = r.final && r.final.status !== 200 && r.final.status !== 201 && r.final.status !== 202 ? errorCode(r.final) : undefined;
    const key = `${r.op} ${r.final?.status ?? 'unanswered'}${code ? ` ${code}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.entries(counts)
    .sort()
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
}

/** Waits until no payment changes status for a few seconds (hold timers aside, flows have ended). */
async function settle(sql: Sql, log: (line: string) => void) {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const rows = await sql<{ status: string; n: bigint }[]>`SELECT status, count(*) AS n FROM payments GROUP BY status ORDER BY status`;
    const now = rows.map((r) => `${r.status}=${r.n}`).join(' ');
    if (now === last) return;
    last = now;
    log(`waiting for workflows to settle: ${now}`);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

/** An attempt in a line (workload.ts). */
const describe = describeExchange;

/** Every answer a client saw must agree with the ledger. */
async function check(sql: Sql, history: RequestRecord[], violations: string[]) {
  // Every flow of the workload ends a payment it created with a post or a cancel: none stays open.
  const open = await sql<
    { id: string; status: string }[]
  >`SELECT id, status FROM payments WHERE status NOT IN ('Posted', 'Cancelled', 'Reversed')`;
  for (const p of open) {
    const touched = history
      .filter((r) => r.path.includes(p.id) || r.final?.body?.value?.id === p.id)
      .map((r) => `${r.op} ${r.attempts.map(describe).join('/')}`);
    const kinds = (await sql<{ kind: string }[]>`SELECT kind FROM journal_entries WHERE payment_id = ${p.id} ORDER BY seq`).map(
      (e) => e.kind,
    );
    violations.push(`payment ${p.id} stayed ${p.status} (entries [${kinds.join(',')}]); its requests: ${touched.join('; ')}`);
  }
  for (const r of history) {
    // Every idempotent retry returned the original answer.
    const answers = r.attempts.filter(isDefinitive);
    const first = answers[0];
    for (const a of answers.slice(1)) {
      if (a.status !== first?.status || JSON.stringify(a.body) !== JSON.stringify(first?.body)) {
        violations.push(`${r.op} ${r.path} key ${r.key}: a retry answered ${a.status}, the first answer was ${first?.status}`);
      }
    }
    if (!r.final) continue;
    if (r.op === 'immediate') {
      const paymentId = r.final.status === 201 ? r.final.body.value.id : derivedId('payment', 'system', SUB, r.key);
      const [payment] = await sql<{ status: string }[]>`SELECT status FROM payments WHERE id = ${paymentId}`;
      const entries = await sql<{ kind: string }[]>`SELECT kind FROM journal_entries WHERE payment_id = ${paymentId}`;
      if (r.final.status === 201 && (payment?.status !== 'Posted' || entries.length !== 1)) {
        violations.push(`immediate ${paymentId}: answered 201 Posted, ledger has ${payment?.status} with ${entries.length} entries`);
      }
      // Refused: 422, or 409 "refused earlier" when the refusal's own answer was lost.
      if (r.final.status !== 201 && (payment || entries.length > 0))
        violations.push(`immediate ${paymentId}: answered ${r.final.status} ${errorCode(r.final)} but left a trace`);
    }
    if (r.op === 'pend' && r.final.status === 200) {
      const paymentId = r.path.split('/')[3] as string;
      const holds = await sql`SELECT 1 FROM journal_entries WHERE payment_id = ${paymentId} AND kind = 'pending'`;
      if (holds.length !== 1) violations.push(`pend ${paymentId}: answered 200 Pending, the ledger has ${holds.length} holds`);
    }
    if ((r.op === 'post' || r.op === 'cancel') && r.final.status === 200) {
      const paymentId = r.path.split('/')[3] as string;
      const [payment] = await sql<{ status: string }[]>`SELECT status FROM payments WHERE id = ${paymentId}`;
      const kinds = (await sql<{ kind: string }[]>`SELECT kind FROM journal_entries WHERE payment_id = ${paymentId} ORDER BY seq`)
        .map((e) => e.kind)
        .join(',');
      const want = r.op === 'post' ? 'Posted' : 'Cancelled';
      const allowedEntries = r.op === 'post' ? ['pending,post_pending'] : ['', 'pending,void_pending'];
      if (payment?.status !== want || !allowedEntries.includes(kinds)) {
        violations.push(`${r.op} ${paymentId}: answered 200 ${want}, ledger has ${payment?.status} with entries [${kinds}]`);
      }
    }
    if (r.op === 'incoming' && r.final.status === 202) {
      const transferId = r.final.body.value.id;
      const entries = await sql<
        { amount: bigint }[]
      >`SELECT amount FROM journal_entries WHERE transfer_id = ${transferId} AND description LIKE 'incoming %'`;
      if (entries.length !== 1) violations.push(`incoming ${transferId}: ${entries.length} credits instead of 1`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exit(1);
});

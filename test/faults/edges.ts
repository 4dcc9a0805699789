import { fxKeys } from '../../activities/fx';
import { entryIdFor } from '../../activities/payments';
import { outgoingKeys } from '../../activities/transfers';
import { paymentWorkflowId, transferWorkflowId } from '../../domain/ids';
import type { Sql } from '../../ledger/db';
import type { FxCustomer } from './fx';
import { EXTERNAL_IBAN, lastCode, type TransferContext, type TransferCustomer } from './transfers';
import { describeRequest, type Exchange, errorCode, type RequestRecord } from './workload';

/**
 * The world changing under money in flight (issue #20, docs/operations.md "When the world changes
 * under money in flight"), in the fault workload:
 * - the back office blocks the client or the paying account of an outgoing transfer, an FX
 *   exchange or a payment between its hold and its confirm or post (before it, or at the same
 *   moment), then unblocks it; the client confirms again with the same code, posts again, or
 *   cancels (always allowed, blocked or not);
 * - a payee closes its (empty) account while an Internal transfer to it is in flight: before the
 *   confirm, at the same moment, or after it, or before a cancel.
 * A refusal for a block (422 CLIENT_BLOCKED / ACCOUNT_NOT_ACTIVE) must change nothing: right after
 * it (nothing else acts on that transfer or payment then) the scenario reads the read model, the
 * ledger and the code, and records any difference as a violation. The end of the run checks the
 * rest (checkEdges, and checkTransfers for a recipient closed meanwhile).
 */

export const RECIPIENT_CLOSED = 'the recipient account cannot receive the transfer';

export interface EdgeContext extends TransferContext {
  sql: Sql;
  /** What the scenarios saw during the run that breaks the invariant. */
  violations: string[];
  /** Everything the run blocked, unblocked again at its end whatever happened (unblock is idempotent). */
  blocked: { clients: Set<string>; accounts: Set<string> };
  /** Clients whose accounts are opened to be closed (payees). */
  payees: Set<string>;
}

/** A client and one of its accounts. */
export interface Party {
  clientId: string;
  accountId: string;
}

/** A payee: a bank client that opens an account, receives an Internal transfer on it and closes it. */
export interface Payee {
  clientId: string;
  bearer: string;
}

type BlockKind = 'client' | 'account';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BLOCK_CODES = ['CLIENT_BLOCKED', 'ACCOUNT_NOT_ACTIVE'];

/** A refusal because the client or the account is blocked. */
export const isBlockRefusal = (e: Exchange | undefined) => e?.status === 422 && BLOCK_CODES.includes(errorCode(e) ?? '');

const blockPath = (kind: BlockKind, party: Party) =>
  kind === 'client' ? `/internal/Clients/${party.clientId}` : `/internal/Accounts/${party.accountId}`;

async function block(ctx: EdgeContext, kind: BlockKind, party: Party) {
  if (kind === 'client') ctx.blocked.clients.add(party.clientId);
  else ctx.blocked.accounts.add(party.accountId);
  const body = kind === 'client' ? { reason: 'fault suite: fraud suspected' } : undefined;
  return ctx.send(`block-${kind}`, 'PUT', `${blockPath(kind, party)}/block`, body);
}

const unblock = (ctx: EdgeContext, kind: BlockKind, party: Party) =>
  ctx.send(`unblock-${kind}`, 'PUT', `${blockPath(kind, party)}/unblock`);

/** The end of the run: everything the workload blocked is unblocked (a lost unblock must not keep money waiting). */
export async function unblockAll(ctx: EdgeContext) {
  for (const clientId of ctx.blocked.clients) await ctx.send('end-unblock', 'PUT', `/internal/Clients/${clientId}/unblock`);
  for (const accountId of ctx.blocked.accounts) await ctx.send('end-unblock', 'PUT', `/internal/Accounts/${accountId}/unblock`);
}

/** A query that survives a PostgreSQL restart of the fault injector. */
async function query<T>(run: () => Promise<T>): Promise<T> {
  // Two minutes, not forty tries: a kill-stack fault restarts Postgres, Temporal and every process,
  // which took longer than 40 s once on a loaded machine and failed the run without a violation.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

interface EntryLite {
  id: string;
  kind: string;
  pendingId: string | null;
}

const shown = (entries: EntryLite[]) => `[${entries.map((e) => e.kind).join(',')}]`;

/**
 * Right after a confirm refused for a block: the transfer still waits for its code
 * (PendingConfirmation; an FX one may have expired by its timer meanwhile), its holds are all
 * there and none is resolved, and its code is not used up.
 */
async function transferUnchanged(ctx: EdgeContext, id: string, direction: 'outgoing' | 'fx'): Promise<string | undefined> {
  const [t] = await query(
    () => ctx.sql<{ status: string; fee: bigint; confirmationId: string | null; quoteExpiresAt: Date | null }[]>`
      SELECT status, fee, confirmation_id, quote_expires_at FROM transfers WHERE id = ${id}`,
  );
  if (!t) return 'the transfer is gone';
  const entries = await query(
    () => ctx.sql<EntryLite[]>`SELECT id, kind, pending_id FROM journal_entries WHERE transfer_id = ${id} ORDER BY seq`,
  );
  const [confirmation] = await query(
    () => ctx.sql<{ status: string }[]>`SELECT status FROM confirmations WHERE id = ${t.confirmationId ?? ''}`,
  );
  const expired = direction === 'fx' && t.status === 'Expired' && (t.quoteExpiresAt?.getTime() ?? 0) <= Date.now() + 1_000;
  if (t.status !== 'PendingConfirmation' && !expired) return `the transfer is ${t.status}, entries ${shown(entries)}`;
  if (confirmation?.status !== 'pending') return `its code is ${confirmation?.status ?? 'gone'}`;
  if (expired) return undefined;
  const workflowId = transferWorkflowId(id);
  const holds =
    direction === 'fx'
      ? [entryIdFor(fxKeys(workflowId).holdSell)]
      : [entryIdFor(outgoingKeys(workflowId).holdAmount), ...(t.fee > 0n ? [entryIdFor(outgoingKeys(workflowId).holdFee)] : [])];
  const open = entries.filter((e) => e.kind === 'pending' && holds.includes(e.id));
  if (open.length !== holds.length || entries.length !== holds.length)
    return `its entries are ${shown(entries)}, not its ${holds.length} holds`;
  return undefined;
}

/** Right after a pend or post refused for a block: the payment is as it was (Draft with nothing, or Pending with its hold). */
async function paymentUnchanged(ctx: EdgeContext, id: string, was: 'Draft' | 'Pending'): Promise<string | undefined> {
  const [p] = await query(() => ctx.sql<{ status: string }[]>`SELECT status FROM payments WHERE id = ${id}`);
  const entries = await query(
    () => ctx.sql<EntryLite[]>`SELECT id, kind, pending_id FROM journal_entries WHERE payment_id = ${id} ORDER BY seq`,
  );
  const want = was === 'Draft' ? '[]' : '[pending]';
  if (p?.status !== was || shown(entries) !== want) return `the payment is ${p?.status} with entries ${shown(entries)}`;
  return undefined;
}

/** Records a violation when a refusal for a block changed something. */
async function refusalChangedNothing(
  ctx: EdgeContext,
  what: string,
  answer: Exchange | undefined,
  problem: () => Promise<string | undefined>,
) {
  if (!isBlockRefusal(answer)) return;
  const found = await problem();
  if (found) ctx.violations.push(`${what}: answered 422 ${errorCode(answer)}, yet ${found}`);
}

/**
 * An outgoing transfer (Sepa or Internal) whose client or account is blocked before its confirm
 * or as it is confirmed; then sometimes a cancel while still blocked, else the unblock and the
 * same code again (or a cancel).
 */
export async function blockedTransferScenario(ctx: EdgeContext, me: TransferCustomer, recipientNumbers: string[]): Promise<void> {
  const as = { bearer: me.bearer, clientId: me.clientId };
  const internal = Math.random() < 0.4;
  const recipient = internal
    ? {
        name: 'Internal Payee',
        accountNumber: recipientNumbers[Math.floor(Math.random() * recipientNumbers.length)],
        country: 'DE',
        currency: 'EUR',
      }
    : { name: 'Jane Roe', iban: EXTERNAL_IBAN, country: 'DE', currency: 'EUR' };
  const amount = (1 + Math.random() * 30).toFixed(2);
  const created = await ctx.send(
    'transfer',
    'POST',
    '/Transfers/outgoing',
    { accountId: me.accountId, amount, currency: 'EUR', reference: 'fault suite: blocked', recipient },
    as,
  );
  const id: string | undefined = created?.status === 201 ? created.body.value.id : undefined;
  if (!id) return;
  const code = await lastCode(ctx, me.clientId);
  if (!code) return;
  const confirm = () => ctx.send('confirm', 'PUT', `/Transfers/outgoing/${id}/confirm`, { code }, as);
  const cancel = () => ctx.send('transfer-cancel', 'DELETE', `/Transfers/outgoing/${id}`, undefined, as);
  await blockAroundConfirm(ctx, `transfer ${id}`, me, { confirm, cancel, unchanged: () => transferUnchanged(ctx, id, 'outgoing') });
}

/**
 * The block around a confirm, for a party only its own workload client blocks (one scenario at a
 * time), so the scenario knows whether it is blocked: blocked before the confirm, a confirm must
 * be refused for the block and change nothing; blocked at the same moment, either; after the
 * unblock the same code confirms (a refusal used up no attempt of it).
 */
async function blockAroundConfirm(
  ctx: EdgeContext,
  what: string,
  party: Party,
  steps: { confirm: () => Promise<Exchange | undefined>; cancel: () => Promise<unknown>; unchanged: () => Promise<string | undefined> },
) {
  const kind: BlockKind = Math.random() < 0.5 ? 'client' : 'account';
  let answer: Exchange | undefined;
  if (Math.random() < 0.6) {
    const blocked = await block(ctx, kind, party);
    answer = await steps.confirm();
    if (blocked?.status === 200 && answer?.status === 200) ctx.violations.push(`${what}: confirmed with 200 after its ${kind} was blocked`);
  } else {
    [, answer] = await Promise.all([block(ctx, kind, party), sleep(Math.random() * 30).then(steps.confirm)]);
  }
  await refusalChangedNothing(ctx, `confirm of ${what} (${kind} blocked)`, answer, steps.unchanged);
  const dice = Math.random();
  if (dice < 0.25) {
    // Cancelling is allowed while blocked.
    await steps.cancel();
    await unblock(ctx, kind, party);
    return;
  }
  const unblocked = await unblock(ctx, kind, party);
  if (answer?.status === 200) return;
  if (dice < 0.85) {
    const again = await steps.confirm();
    if (unblocked?.status === 200 && isBlockRefusal(again)) {
      ctx.violations.push(`${what}: after the unblock its confirm was still refused (${errorCode(again)})`);
    }
    // The refusal used up no attempt of the code: after the unblock the same code confirms.
    if (isBlockRefusal(answer) && again?.status === 422 && (errorCode(again) ?? '').startsWith('OTP_')) {
      ctx.violations.push(`${what}: after the unblock its code was refused (${errorCode(again)}); the refusal for the block used it up`);
    }
  } else {
    await steps.cancel();
  }
}

/** The FX counterpart: the client or the selling account is blocked before or as the exchange is confirmed. */
export async function blockedFxScenario(ctx: EdgeContext, me: FxCustomer): Promise<void> {
  const as = { bearer: me.bearer, clientId: me.clientId };
  const [sell, buy] = Math.random() < 0.5 ? (['EUR', 'USD'] as const) : (['USD', 'EUR'] as const);
  const created = await ctx.send(
    'fx',
    'POST',
    '/Transfers/fx',
    { sourceAccountId: me.accounts[sell], targetAccountId: me.accounts[buy], sellAmount: (1 + Math.random() * 40).toFixed(2) },
    as,
  );
  const id: string | undefined = created?.status === 201 ? created.body.value.id : undefined;
  if (!id) return;
  const code = await lastCode(ctx, me.clientId);
  if (!code) return;
  const party = { clientId: me.clientId, accountId: me.accounts[sell] };
  const confirm = () => ctx.send('fx-confirm', 'PUT', `/Transfers/fx/${id}/confirm`, { code }, as);
  const cancel = () => ctx.send('fx-cancel', 'DELETE', `/Transfers/fx/${id}`, undefined, as);
  await blockAroundConfirm(ctx, `fx ${id}`, party, { confirm, cancel, unchanged: () => transferUnchanged(ctx, id, 'fx') });
}

/**
 * A payment from one of the shared accounts whose client or account is blocked before its pend,
 * or before or as it is posted; then the unblock and a post again, or a cancel. Other workload
 * clients' payments from that account meet the block too (main.ts's flows cancel what a block
 * refused). Whatever is still open at the end is cancelled.
 */
export async function blockedPaymentScenario(ctx: EdgeContext, parties: Party[]): Promise<void> {
  const payer = parties[Math.floor(Math.random() * parties.length)] as Party;
  let payee = payer;
  while (payee === payer) payee = parties[Math.floor(Math.random() * parties.length)] as Party;
  const draft = await ctx.send('draft', 'POST', '/internal/Payments/draft', {
    debitAccountId: payer.accountId,
    creditAccountId: payee.accountId,
    currency: 'EUR',
    amount: (1 + Math.random() * 60).toFixed(2),
  });
  const id: string | undefined = draft?.status === 201 ? draft.body.value.id : undefined;
  if (!id) return;
  const kind: BlockKind = Math.random() < 0.5 ? 'client' : 'account';
  const early = Math.random() < 0.3;
  if (early) await block(ctx, kind, payer);
  const pend = await ctx.send('pend', 'POST', `/internal/Payments/${id}/pend`);
  await refusalChangedNothing(ctx, `pend of payment ${id} (${kind} blocked)`, pend, () => paymentUnchanged(ctx, id, 'Draft'));
  const was = pend?.status === 200 ? 'Pending' : 'Draft';
  const post = () => ctx.send('post', 'POST', `/internal/Payments/${id}/post`);
  let posted: Exchange | undefined;
  if (early || Math.random() < 0.5) {
    if (!early) await block(ctx, kind, payer);
    posted = await post();
  } else {
    [, posted] = await Promise.all([block(ctx, kind, payer), sleep(Math.random() * 30).then(post)]);
  }
  await refusalChangedNothing(ctx, `post of payment ${id} (${kind} blocked, was ${was})`, posted, () => paymentUnchanged(ctx, id, was));
  await unblock(ctx, kind, payer);
  if (posted?.status === 200) return;
  if (was === 'Pending' && Math.random() < 0.6) {
    // After the unblock the held payment posts (unless another workload client blocked the account meanwhile).
    posted = await post();
    if (posted?.status === 200) return;
  }
  await ctx.send('cancel', 'POST', `/internal/Payments/${id}/cancel`);
}

/**
 * A payee opens an empty account, a transfer customer makes an Internal transfer to it, and the
 * payee closes the account (code, token, DELETE): before the confirm, at the same moment, after
 * it, or before the customer cancels. The transfer must end Failed with its holds released when
 * the account closed first, and Completed only into an account that stayed open (checkEdges,
 * checkTransfers).
 */
export async function closingPayeeScenario(ctx: EdgeContext, me: TransferCustomer, payee: Payee): Promise<void> {
  const opened = await ctx.send('payee-account', 'POST', '/v2/internal/Accounts', {
    clientId: payee.clientId,
    currency: 'EUR',
    purpose: 'current',
    name: 'to close',
  });
  const account: { id: string; accountNumber: string } | undefined = opened?.status === 201 ? opened.body.value : undefined;
  if (!account) return;
  const as = { bearer: me.bearer, clientId: me.clientId };
  const created = await ctx.send(
    'transfer',
    'POST',
    '/Transfers/outgoing',
    {
      accountId: me.accountId,
      amount: (1 + Math.random() * 30).toFixed(2),
      currency: 'EUR',
      reference: 'fault suite: payee closes',
      recipient: { name: 'Closing Payee', accountNumber: account.accountNumber, country: 'DE', currency: 'EUR' },
    },
    as,
  );
  const id: string | undefined = created?.status === 201 ? created.body.value.id : undefined;
  const code = id ? await lastCode(ctx, me.clientId) : undefined;

  // The payee's close code and token first: its newest message is then the close code.
  const payeeAs = { bearer: payee.bearer, clientId: payee.clientId };
  const sent = await ctx.send('close-otp', 'POST', '/Accounts/send-otp', { operation: 'close', accountId: account.id }, payeeAs);
  const otpId: string | undefined = sent?.status === 201 ? sent.body.value.otpId : undefined;
  const closeCode = otpId ? await lastCode(ctx, payee.clientId) : undefined;
  const verified = closeCode
    ? await ctx.send('close-verify', 'POST', '/Accounts/otp-verification', { otpId, code: closeCode }, payeeAs)
    : undefined;
  const otpToken: string | undefined = verified?.status === 200 ? verified.body.value.otpToken : undefined;
  const close = async () => {
    if (otpToken)
      await ctx.send('close', 'DELETE', `/Accounts/${account.id}`, undefined, { ...payeeAs, headers: { 'X-Otp-Token': otpToken } });
  };
  if (!id || !code) {
    await close();
    return;
  }
  const confirm = () => ctx.send('confirm', 'PUT', `/Transfers/outgoing/${id}/confirm`, { code }, as);
  const cancel = () => ctx.send('transfer-cancel', 'DELETE', `/Transfers/outgoing/${id}`, undefined, as);
  const dice = Math.random();
  if (dice < 0.4) {
    await close();
    await confirm();
  } else if (dice < 0.75) {
    await Promise.all([close(), sleep(Math.random() * 30).then(confirm)]);
  } else if (dice < 0.9) {
    await confirm();
    await close();
  } else {
    await close();
    await cancel();
  }
}

/**
 * The end of the run, for the payees' accounts:
 * - a closed account holds nothing and never did after the close: every counter is zero (no
 *   Internal transfer completed into it, no hold or incoming money on it);
 * - a close answered 200 closed the account; an Internal transfer to a closed account is never
 *   Completed (checkTransfers checks that a Failed one names the closed recipient).
 * Plus what the scenarios saw during the run (a refusal for a block that changed something).
 */
export async function checkEdges(sql: Sql, ctx: EdgeContext, history: RequestRecord[], violations: string[]) {
  violations.push(...ctx.violations);
  const accounts = await sql<
    {
      id: string;
      accountNumber: string;
      status: string;
      debitsPosted: bigint;
      creditsPosted: bigint;
      debitsPending: bigint;
      creditsPending: bigint;
    }[]
  >`
    SELECT id, account_number, status, debits_posted, credits_posted, debits_pending, credits_pending
    FROM accounts WHERE client_id = ANY(${[...ctx.payees]}::uuid[])`;
  const counts: Record<string, number> = {};
  for (const a of accounts) {
    const closes = history.filter((r) => r.op === 'close' && r.path === `/Accounts/${a.id}`);
    const transfers = await sql<{ id: string; status: string; failureReason: string | null }[]>`
      SELECT id, status, failure_reason FROM transfers WHERE direction = 'outgoing' AND recipient->>'accountNumber' = ${a.accountNumber}`;
    const outcome = `${a.status} ${transfers.map((t) => t.status).join('+') || 'no transfer'}`;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    const label = `payee account ${a.id} (${a.status}; transfers to it ${transfers.map((t) => `${t.id} ${t.status}`).join(', ') || 'none'})`;
    if (a.status === 'closed') {
      if (a.debitsPosted !== 0n || a.creditsPosted !== 0n || a.debitsPending !== 0n || a.creditsPending !== 0n) {
        violations.push(
          `${label}: closed, yet it has debits ${a.debitsPosted}/${a.debitsPending} pending, credits ${a.creditsPosted}/${a.creditsPending} pending`,
        );
      }
      if (transfers.some((t) => t.status === 'Completed'))
        violations.push(`${label}: an Internal transfer completed into a closed account`);
    } else if (closes.some((r) => r.final?.status === 200)) {
      violations.push(`${label}: a close was answered 200, the account is ${a.status}: ${closes.map(describeRequest).join('; ')}`);
    }
  }
  return counts;
}

/** How a workflow ended as Temporal has it (cluster.ts workflowOutcome). */
export type WorkflowOutcome = (workflowId: string) => Promise<{ execution: string; result?: string; waitingFor?: string }>;

/**
 * The read model equals the workflow's state: every payment and every outgoing and FX transfer of
 * the run has a workflow that completed (never failed, terminated or timed out) with the status
 * the read model shows. Returns how many were compared, how many had no workflow, and how many
 * were still running at the first look (asked again until they end).
 */
export async function checkWorkflowsAgree(
  sql: Sql,
  outcome: WorkflowOutcome,
  violations: string[],
): Promise<{ compared: number; noWorkflow: number; stillRunning: number }> {
  const rows = [
    ...(await sql<{ id: string; status: string }[]>`SELECT id, status FROM payments ORDER BY seq`).map((r) => ({
      ...r,
      workflowId: paymentWorkflowId(r.id),
    })),
    ...(
      await sql<{ id: string; status: string }[]>`SELECT id, status FROM transfers WHERE direction IN ('outgoing', 'fx') ORDER BY seq`
    ).map((r) => ({ ...r, workflowId: transferWorkflowId(r.id) })),
  ];
  let compared = 0;
  let noWorkflow = 0;
  /** How many were still running at the first look. */
  let stillRunning = -1;
  let queue = [...rows];
  // A run still finishing (its last step's workflow task not yet completed, Temporal slow after a
  // restart) is asked again for up to a minute and a half; one that stays so is a violation.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const running: typeof rows = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let row = queue.shift(); row; row = queue.shift()) {
          let seen: Awaited<ReturnType<WorkflowOutcome>>;
          try {
            seen = await outcome(row.workflowId);
          } catch (error) {
            if (/not found/i.test((error as Error).message)) noWorkflow += 1;
            else violations.push(`${row.workflowId}: not described (${(error as Error).message})`);
            continue;
          }
          if (seen.execution === 'RUNNING' && Date.now() < deadline) {
            running.push(row);
            continue;
          }
          compared += 1;
          // A reversal (its own workflow, after the payment's ended Posted) moves the read model on to Reversed.
          // So does a return reported after a transfer's workflow ended Completed.
          const agrees =
            seen.result === row.status ||
            (seen.result === 'Posted' && row.status === 'Reversed') ||
            (seen.result === 'Completed' && row.status === 'Returned');
          if (seen.execution !== 'COMPLETED' || !agrees) {
            violations.push(
              `${row.workflowId}: the read model says ${row.status}, the workflow ${seen.execution} ${seen.result ?? ''}`.trim() +
                (seen.waitingFor ? `, waiting for: ${seen.waitingFor}` : ''),
            );
          }
        }
      }),
    );
    if (stillRunning < 0) stillRunning = running.length;
    if (running.length === 0) return { compared, noWorkflow, stillRunning };
    await sleep(3_000);
    queue = running;
  }
}

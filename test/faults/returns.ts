import { entryIdFor } from '../../activities/payments';
import { derivedId, transferWorkflowId } from '../../domain/ids';
import type { Sql } from '../../ledger/db';
import { describeRequest, type Exchange, errorCode, type RequestRecord, type Send, toldSo } from './workload';

/**
 * Incoming transfers nobody here recognizes, in the fault workload: the provider reports money for
 * an unknown IBAN (Unrecognized: settlement to suspense), then ops sends it back (`return`:
 * Returned, suspense back to settlement through the provider), assigns it to a client account
 * (Completed: suspense to the account), does both at once, returns it twice at once (two ops
 * desks), or leaves it in suspense. Their provider references start with RETURN_PREFIX, so the
 * checker tells them from the unknown ones main.ts reports and never touches.
 */

export const RETURN_PREFIX = 'RET-';
const UNKNOWN_IBAN = 'DE02120300000000202051';
const REASON = 'unknown beneficiary';
const INCOMING_FINAL = ['Completed', 'Returned'];

export interface ReturnContext {
  send: Send;
  /** Ops token: return and assign are manual interventions. */
  opsBearer: string;
}

/** One unknown incoming payment from its report to what ops does with it; `accounts` are EUR client accounts to assign to. */
export async function returnScenario(ctx: ReturnContext, accounts: string[]): Promise<void> {
  const reported = await ctx.send('unrecognized', 'POST', '/internal/IncomingRequests', {
    providerReference: `${RETURN_PREFIX}${Math.random().toString(36).slice(2)}`,
    amount: (1 + Math.random() * 50).toFixed(2),
    currency: 'EUR',
    senderName: 'ACME',
    senderIban: 'DE89370400440532013000',
    receiverIban: UNKNOWN_IBAN,
  });
  const id: string | undefined = reported?.status === 202 ? reported.body.value.id : undefined;
  if (!id) return;
  const ops = { bearer: ctx.opsBearer };
  const giveBack = () => ctx.send('return', 'POST', `/internal/Transfers/incoming/${id}/return`, { reason: REASON }, ops);
  const assign = () =>
    ctx.send(
      'assign',
      'POST',
      `/internal/Transfers/incoming/${id}/assign`,
      { accountId: accounts[Math.floor(Math.random() * accounts.length)], note: 'fault suite' },
      ops,
    );
  const dice = Math.random();
  if (dice < 0.5) await giveBack();
  else if (dice < 0.65) await assign();
  // Two ops desks at once: one returns while the other assigns, or both return.
  else if (dice < 0.85) await Promise.all([giveBack(), sleep(Math.random() * 20).then(assign)]);
  else if (dice < 0.93) await Promise.all([giveBack(), sleep(Math.random() * 20).then(giveBack)]);
  // else: left in suspense
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workload's unknown incoming transfers as the read model has them. */
interface IncomingRow {
  id: string;
  status: string;
  amount: bigint;
  currency: string;
  accountId: string | null;
  providerReference: string;
}

interface EntryLite {
  id: string;
  kind: string;
  amount: bigint;
  debitAccountId: string;
  creditAccountId: string;
}

/** One posted move the ledger must hold under an id derived from the workflow's step. */
interface Move {
  step: 'book' | 'assign' | 'return';
  debit: string;
  credit: string;
}

/**
 * The moves a status calls for: booked from settlement to suspense always; Completed (assigned):
 * suspense to the account once; Returned: suspense back to settlement once; Unrecognized: no more.
 */
function expectedMoves(t: IncomingRow, internal: { settlement: string; suspense: string }): Move[] {
  const booked: Move = { step: 'book', debit: internal.settlement, credit: internal.suspense };
  if (t.status === 'Completed') return [booked, { step: 'assign', debit: internal.suspense, credit: t.accountId ?? 'no account' }];
  if (t.status === 'Returned') return [booked, { step: 'return', debit: internal.suspense, credit: internal.settlement }];
  return [booked];
}

/** The entries of the transfer are exactly the expected moves of its amount, each once. */
function movesProblem(t: IncomingRow, entries: EntryLite[], moves: Move[]): string | undefined {
  const shown = `[${entries.map((e) => `${e.kind} ${e.amount}`).join(', ')}]`;
  if (entries.length !== moves.length) return `${entries.length} entries instead of ${moves.length}: ${shown}`;
  for (const m of moves) {
    const e = entries.find((x) => x.id === entryIdFor(`${transferWorkflowId(t.id)}/${m.step}`));
    if (!e) return `no ${m.step} entry under its derived id: ${shown}`;
    if (e.kind !== 'posted' || e.amount !== t.amount || e.debitAccountId !== m.debit || e.creditAccountId !== m.credit) {
      return `its ${m.step} entry moves ${e.amount} from ${e.debitAccountId} to ${e.creditAccountId} (${e.kind})`;
    }
  }
  return undefined;
}

/**
 * What else the status calls for: the provider sent the money back (one return of the amount
 * under the original reference) exactly when Returned; the ops audit names the one intervention
 * that took effect; and ops asked for it (an assign to that very account, or a return) and was
 * told it happened (a 200, not only refusals).
 */
async function sideEffectsProblem(sql: Sql, t: IncomingRow, requests: RequestRecord[]): Promise<string | undefined> {
  const sent = await sql<{ amount: bigint; originalReference: string }[]>`
    SELECT amount, original_reference FROM sandbox_provider_returns WHERE transfer_id = ${t.id}`;
  if (
    t.status === 'Returned' &&
    (sent.length !== 1 || sent[0]?.amount !== t.amount || sent[0]?.originalReference !== t.providerReference)
  ) {
    return `Returned, the provider has ${sent.length} returns (${sent.map((s) => `${s.amount} of ${s.originalReference}`).join(', ')})`;
  }
  if (t.status !== 'Returned' && sent.length > 0) return `${t.status}, yet the provider sent it back`;
  const audit = (await sql<{ action: string }[]>`SELECT action FROM transfer_audit WHERE transfer_id = ${t.id} ORDER BY id`).map(
    (a) => a.action,
  );
  const wantAudit = { Completed: ['assign'], Returned: ['return'] }[t.status] ?? [];
  if (audit.join(',') !== wantAudit.join(',')) return `audit [${audit.join(',')}] for a ${t.status} transfer`;
  const deciding =
    t.status === 'Returned'
      ? requests.filter((r) => r.op === 'return')
      : requests.filter((r) => r.op === 'assign' && (r.body as { accountId?: string }).accountId === t.accountId);
  if (t.status === 'Returned' && deciding.length === 0) return 'Returned though ops never asked';
  if (t.status === 'Completed' && deciding.length === 0) return `assigned to ${t.accountId}, an account ops never named`;
  // The request that did it must have been told so: a refusal means nothing happened.
  if (deciding.length > 0 && !toldSo(deciding)) {
    return `${t.status}, yet every request that asked for it was refused: ${deciding.map(describeRequest).join('; ')}; ${await evidence(sql, t)}`;
  }
  return undefined;
}

/** The ledger rows and the audit of a transfer, for a violation's evidence. */
async function evidence(sql: Sql, t: IncomingRow): Promise<string> {
  const rows = await sql<{ kind: string; amount: bigint; debitAccountId: string; creditAccountId: string; createdAt: Date }[]>`
    SELECT kind, amount, debit_account_id, credit_account_id, created_at FROM journal_entries WHERE transfer_id = ${t.id} ORDER BY seq`;
  const audit = await sql<{ action: string; actor: string; createdAt: Date }[]>`
    SELECT action, actor, created_at FROM transfer_audit WHERE transfer_id = ${t.id} ORDER BY id`;
  const entries = rows.map((e) => `${e.kind} ${e.amount} ${e.debitAccountId}->${e.creditAccountId} at ${e.createdAt.toISOString()}`);
  const audited = audit.map((a) => `${a.action} by ${a.actor} at ${a.createdAt.toISOString()}`);
  return `workflow ${transferWorkflowId(t.id)}, entries [${entries.join('; ')}], audit [${audited.join('; ')}]`;
}

const idOf = (r: RequestRecord) => r.path.split('/')[4] ?? '';

/**
 * Every unknown incoming transfer of the workload agrees with the ledger and the provider, and
 * every answer ops saw names something that happened:
 * - Returned: booked to suspense and back to settlement, each exactly once, one provider return;
 *   Completed: booked to suspense and assigned once to the account ops named; Unrecognized: only
 *   booked, the money still in suspense; and suspense holds exactly the Unrecognized transfers;
 * - a 202 names the transfer derived from its reference, Unrecognized; a refused report left nothing;
 * - a 200 return means Returned, a 200 assign Completed on that account; a 422 naming the status
 *   that won means the transfer ended there.
 */
export async function checkReturns(
  sql: Sql,
  history: RequestRecord[],
  violations: string[],
  describeWorkflow: (workflowId: string) => Promise<string>,
): Promise<Record<string, number>> {
  const transfers = await sql<IncomingRow[]>`
    SELECT id, status, amount, currency, account_id, provider_reference FROM transfers
    WHERE direction = 'incoming' AND provider_reference LIKE ${`${RETURN_PREFIX}%`} ORDER BY seq`;
  const byId = new Map(transfers.map((t) => [t.id, t]));
  const internal = { settlement: await internalId(sql, 'settlement'), suspense: await internalId(sql, 'suspense') };
  const requestsFor = new Map<string, RequestRecord[]>();
  for (const r of history.filter((h) => h.op === 'return' || h.op === 'assign')) {
    requestsFor.set(idOf(r), [...(requestsFor.get(idOf(r)) ?? []), r]);
  }
  const finals: Record<string, number> = {};

  for (const t of transfers) {
    const label = `incoming ${t.id} (${t.providerReference}, ${t.amount}, ${t.status})`;
    finals[t.status] = (finals[t.status] ?? 0) + 1;
    if (![...INCOMING_FINAL, 'Unrecognized'].includes(t.status)) {
      violations.push(`${label}: ended in no status it may stay in; its workflow: ${await describeWorkflow(transferWorkflowId(t.id))}`);
      continue;
    }
    const entries = await sql<EntryLite[]>`
      SELECT id, kind, amount, debit_account_id, credit_account_id FROM journal_entries WHERE transfer_id = ${t.id} ORDER BY seq`;
    const problem = movesProblem(t, entries, expectedMoves(t, internal)) ?? (await sideEffectsProblem(sql, t, requestsFor.get(t.id) ?? []));
    if (problem) violations.push(`${label}: ${problem}`);
  }
  await checkSuspense(sql, internal.suspense, violations);

  for (const r of history) {
    if (!r.final) continue;
    if (r.op === 'unrecognized') await checkReportAnswer(sql, r, r.final, byId, violations);
    if (r.op === 'return' || r.op === 'assign') checkOpsAnswer(r, r.final, byId.get(idOf(r)), violations);
  }
  return finals;
}

async function internalId(sql: Sql, purpose: string): Promise<string> {
  const [a] = await sql<{ id: string }[]>`SELECT id FROM accounts WHERE kind = 'internal' AND purpose = ${purpose} AND currency = 'EUR'`;
  return a?.id ?? '';
}

/**
 * Only incoming transfers touch suspense here (this workload's and main.ts's unknown ones):
 * what it holds is exactly the money of the transfers still Unrecognized, none twice, none lost.
 */
async function checkSuspense(sql: Sql, suspense: string, violations: string[]) {
  const [held] = await sql<{ balance: bigint }[]>`SELECT credits_posted - debits_posted AS balance FROM accounts WHERE id = ${suspense}`;
  const [open] = await sql<{ total: bigint }[]>`
    SELECT coalesce(sum(amount), 0)::bigint AS total FROM transfers WHERE direction = 'incoming' AND status = 'Unrecognized' AND currency = 'EUR'`;
  if (held?.balance !== open?.total) violations.push(`suspense EUR holds ${held?.balance}, the Unrecognized transfers ${open?.total}`);
}

/** A 202 names the transfer derived from the provider's reference, Unrecognized; any other answer left nothing. */
async function checkReportAnswer(sql: Sql, r: RequestRecord, final: Exchange, byId: Map<string, IncomingRow>, violations: string[]) {
  const reference = (r.body as { providerReference: string }).providerReference;
  const derived = derivedId('incoming', reference);
  const t = byId.get(derived);
  if (final.status === 202) {
    const v = final.body?.value;
    if (v?.id !== derived || v?.status !== 'Unrecognized' || !t) {
      violations.push(`incoming ${reference}: answered 202 ${v?.status} for ${v?.id}, the ledger has ${t?.status ?? 'nothing'}`);
    }
    return;
  }
  const entries = await sql`SELECT 1 FROM journal_entries WHERE transfer_id = ${derived}`;
  if (t || entries.length > 0) {
    violations.push(
      `incoming ${reference}: answered ${final.status} ${errorCode(final)} but left a ${t?.status} transfer and ${entries.length} entries`,
    );
  }
}

/** What a return or assign answer says about the end of the transfer. */
function checkOpsAnswer(r: RequestRecord, final: Exchange, t: IncomingRow | undefined, violations: string[]) {
  const id = idOf(r);
  const answered = final.body?.value?.status;
  const from = final.body?.errors?.[0]?.metadata?.from;
  if (final.status === 200) {
    const wanted = r.op === 'return' ? 'Returned' : 'Completed';
    const account = (r.body as { accountId?: string }).accountId;
    if (answered !== wanted || t?.status !== wanted || (r.op === 'assign' && t?.accountId !== account)) {
      violations.push(`${r.op} ${id}: answered 200 ${answered}, the transfer ended ${t?.status} on ${t?.accountId}`);
    }
  }
  // Completed and Returned are final: the status that won the race is the one it ended in.
  if (final.status === 422 && errorCode(final) === 'INVALID_STATE_TRANSITION' && INCOMING_FINAL.includes(from) && t?.status !== from) {
    violations.push(`${r.op} ${id}: refused as ${from} already, the transfer ended ${t?.status}`);
  }
}

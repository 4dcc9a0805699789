import { entryIdFor } from '../../activities/payments';
import { outgoingKeys } from '../../activities/transfers';
import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { derivedId, transferWorkflowId } from '../../domain/ids';
import type { Sql } from '../../ledger/db';
import { describeRequest, type Exchange, errorCode, type RequestRecord, read, type Send, toldSo } from './workload';

/**
 * Outgoing transfers with their one-time code in the fault workload: Sepa to an external IBAN and
 * Internal to another client's account, confirmed with the code the local notifier kept, cancelled,
 * or confirmed and cancelled at once; some with reference REJECT (the sandbox provider refuses:
 * Failed, hold released). Each bank client makes one transfer at a time, so the newest message
 * the notifier kept for it carries the code of its current transfer.
 */

export const EXTERNAL_IBAN = 'DE89370400440532013000';

/** A bank client of the transfer workload, with its own token and a funded account. */
export interface TransferCustomer {
  clientId: string;
  accountId: string;
  bearer: string;
}

// Returned: a Completed transfer the back office's workload reported as returned (backOffice.ts checks its entries).
const FINAL = ['Completed', 'Failed', 'Cancelled', 'Returned'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TransferContext {
  apiUrl: string;
  /** System token: notifications and transfer details. */
  systemBearer: string;
  send: Send;
}

export async function customerToken(clientId: string) {
  return issueToken(LOCAL_JWT_SECRET, { role: 'client', sub: clientId });
}

/** The code in the newest message the notifier kept for the client. */
export async function lastCode(ctx: TransferContext, clientId: string): Promise<string | undefined> {
  const res = await read(ctx.apiUrl, ctx.systemBearer, `/internal/Notifications?clientId=${clientId}&limit=1`);
  return /code is (\d{6})/.exec(res?.body?.value?.items?.[0]?.body ?? '')?.[1];
}

export const wrongCode = (code: string) => (code === '000000' ? '111111' : '000000');

/**
 * One transfer from start to its end as a client drives it: create, read the code, then one of
 * confirm; cancel; confirm and cancel together; a wrong code then the right one; or nothing (the
 * end of the run cancels what is still waiting for its code).
 */
export async function transferScenario(ctx: TransferContext, me: TransferCustomer, recipientNumbers: string[]): Promise<void> {
  const as = { bearer: me.bearer, clientId: me.clientId };
  const internal = Math.random() < 0.4;
  const reject = !internal && Math.random() < 0.25;
  const amount = (1 + Math.random() * 30).toFixed(2);
  const recipient = internal
    ? {
        name: 'Internal Payee',
        accountNumber: recipientNumbers[Math.floor(Math.random() * recipientNumbers.length)],
        country: 'DE',
        currency: 'EUR',
      }
    : { name: 'Jane Roe', iban: EXTERNAL_IBAN, country: 'DE', currency: 'EUR' };
  const created = await ctx.send(
    'transfer',
    'POST',
    '/Transfers/outgoing',
    { accountId: me.accountId, amount, currency: 'EUR', reference: reject ? 'REJECT fault suite' : 'fault suite', recipient },
    as,
  );
  const id: string | undefined = created?.status === 201 ? created.body.value.id : undefined;
  if (!id) return;
  const code = await lastCode(ctx, me.clientId);
  if (!code) return; // the checker finds a transfer without its code
  const confirm = (c: string) => ctx.send('confirm', 'PUT', `/Transfers/outgoing/${id}/confirm`, { code: c }, as);
  const cancel = () => ctx.send('transfer-cancel', 'DELETE', `/Transfers/outgoing/${id}`, undefined, as);

  const dice = Math.random();
  if (dice < 0.45) {
    await confirm(code);
  } else if (dice < 0.6) {
    await cancel();
  } else if (dice < 0.85) {
    // Confirm and cancel at once (two devices of one client), sometimes a confirm twice.
    const actions = [confirm(code), sleep(Math.random() * 20).then(cancel)];
    if (Math.random() < 0.3) actions.push(sleep(Math.random() * 20).then(() => confirm(code)));
    await Promise.all(actions);
  } else if (dice < 0.95) {
    const wrong = await ctx.send('confirm-wrong', 'PUT', `/Transfers/outgoing/${id}/confirm`, { code: wrongCode(code) }, as);
    if (wrong?.status === 422 && errorCode(wrong) === 'OTP_INVALID') await confirm(code);
  }
  // else: left waiting for its code
}

/** Outgoing transfers of the run as the ledger's read model has them. */
interface TransferRowLite {
  id: string;
  clientId: string;
  type: string;
  status: string;
  accountId: string;
  amount: bigint;
  fee: bigint;
  reference: string | null;
  confirmationId: string | null;
  failureReason: string | null;
  recipient: { accountNumber?: string | null } | null;
}

/** edges.ts: an Internal transfer whose recipient account closed before it settled. */
const RECIPIENT_CLOSED = 'the recipient account cannot receive the transfer';

const outgoingTransfers = (sql: Sql) =>
  sql<TransferRowLite[]>`
    SELECT id, client_id, type, status, account_id, amount, fee, reference, confirmation_id, failure_reason, recipient
    FROM transfers WHERE direction = 'outgoing' ORDER BY seq`;

/**
 * Brings every outgoing transfer to a final status, as a client and ops would: one still waiting
 * for its code is cancelled by its client, a Stuck one continued by ops (each at most twice);
 * then waits for the rest, until nothing has moved for half a minute. Returns what it had to do.
 */
export async function finishTransfers(
  sql: Sql,
  ctx: TransferContext,
  opsBearer: string,
  log: (line: string) => void,
): Promise<{ cancelled: number; continued: number; unfinished: number }> {
  const tried = new Map<string, number>();
  let cancelled = 0;
  let continued = 0;
  let last = '';
  let since = Date.now();
  for (;;) {
    const open = (await outgoingTransfers(sql)).filter((t) => !FINAL.includes(t.status));
    const now = open.map((t) => `${t.id}=${t.status}`).join(' ');
    if (now !== last) {
      last = now;
      since = Date.now();
      if (open.length > 0) log(`transfers not final yet: ${summarize(open.map((t) => t.status))}`);
    }
    if (open.length === 0 || Date.now() - since > 30_000) return { cancelled, continued, unfinished: open.length };
    for (const t of open) {
      if ((tried.get(t.id) ?? 0) >= 2) continue;
      if (t.status === 'PendingConfirmation') {
        tried.set(t.id, (tried.get(t.id) ?? 0) + 1);
        const bearer = await customerToken(t.clientId);
        await ctx.send('end-cancel', 'DELETE', `/Transfers/outgoing/${t.id}`, undefined, { bearer, clientId: t.clientId });
        cancelled += 1;
      } else if (t.status === 'Stuck') {
        tried.set(t.id, (tried.get(t.id) ?? 0) + 1);
        await ctx.send(
          'end-continue',
          'POST',
          `/internal/Transfers/outgoing/${t.id}/continue`,
          { note: 'fault suite' },
          { bearer: opsBearer },
        );
        continued += 1;
      }
    }
    await sleep(2_000);
  }
}

function summarize(values: string[]) {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return Object.entries(counts)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
}

interface EntryLite {
  id: string;
  kind: string;
  amount: bigint;
  pendingId: string | null;
  debitAccountId: string;
  creditAccountId: string;
}

/**
 * Every outgoing transfer's final status agrees with the ledger, and every answer a client saw
 * about transfers names something that happened:
 * - Completed: its holds (amount, and fee when there is one) are posted; an Internal one credited
 *   its recipient exactly once; Failed or Cancelled: the holds are voided and nobody was credited.
 * - Completed or Failed only after the code was verified; Failed only for a REJECT reference.
 * - a 201 created a transfer that holds amount + fee; a refused create left no trace;
 * - a 200 confirm names a confirmed status the transfer really reached; a 200 cancel a Cancelled one.
 */
export async function checkTransfers(
  sql: Sql,
  history: RequestRecord[],
  violations: string[],
  /** What Temporal says about a workflow: for a transfer that never ended. */
  describeWorkflow: (workflowId: string) => Promise<string>,
): Promise<Record<string, number>> {
  const transfers = await outgoingTransfers(sql);
  const byId = new Map(transfers.map((t) => [t.id, t]));
  const finals: Record<string, number> = {};
  const confirmsFor = new Map<string, RequestRecord[]>();
  for (const r of history.filter((h) => h.op === 'confirm')) {
    const id = r.path.split('/')[3] ?? '';
    confirmsFor.set(id, [...(confirmsFor.get(id) ?? []), r]);
  }

  for (const t of transfers) {
    const label = `transfer ${t.id} (${t.type}, ${t.reference}, ${t.status})`;
    finals[`${t.type} ${t.status}`] = (finals[`${t.type} ${t.status}`] ?? 0) + 1;
    if (!FINAL.includes(t.status)) {
      violations.push(`${label}: never reached a final status; its workflow: ${await describeWorkflow(transferWorkflowId(t.id))}`);
      continue;
    }
    const entries = await sql<EntryLite[]>`
      SELECT id, kind, amount, pending_id, debit_account_id, credit_account_id FROM journal_entries WHERE transfer_id = ${t.id} ORDER BY seq`;
    const keys = outgoingKeys(transferWorkflowId(t.id));
    const holdIds = [entryIdFor(keys.holdAmount), ...(t.fee > 0n ? [entryIdFor(keys.holdFee)] : [])];
    const holds = entries.filter((e) => e.kind === 'pending');
    const kinds = entries.map((e) => e.kind).join(',');
    if (holds.length !== holdIds.length || !holds.every((h) => holdIds.includes(h.id))) {
      violations.push(`${label}: ${holds.length} holds instead of ${holdIds.length} (entries [${kinds}])`);
      continue;
    }
    const amountHold = holds.find((h) => h.id === holdIds[0]);
    const feeHold = holds.find((h) => h.id === holdIds[1]);
    if (amountHold?.amount !== t.amount || amountHold.debitAccountId !== t.accountId || (feeHold && feeHold.amount !== t.fee)) {
      violations.push(`${label}: holds of ${amountHold?.amount}/${feeHold?.amount ?? 0} for a transfer of ${t.amount} + fee ${t.fee}`);
    }
    const resolution = t.status === 'Completed' || t.status === 'Returned' ? 'post_pending' : 'void_pending';
    const resolved = entries.filter((e) => e.pendingId !== null);
    const resolvedOk =
      resolved.length === holds.length &&
      resolved.every((e) => e.kind === resolution) &&
      holdIds.every((h) => resolved.filter((e) => e.pendingId === h).length === 1);
    // A Returned transfer's return entries are posted ones (backOffice.ts counts them).
    const others = entries.filter((e) => e.kind !== 'pending' && e.pendingId === null && !(t.status === 'Returned' && e.kind === 'posted'));
    if (!resolvedOk || others.length > 0) violations.push(`${label}: holds should all be ${resolution}, entries [${kinds}]`);

    // The recipient's credit of an Internal transfer: one entry under its own incoming record.
    const credits = await sql<EntryLite[]>`
      SELECT j.id, j.kind, j.amount, j.pending_id, j.debit_account_id, j.credit_account_id
      FROM journal_entries j JOIN transfers i ON i.id = j.transfer_id
      WHERE i.related_transfer_id = ${t.id} AND i.direction = 'incoming'`;
    const creditById = await sql`SELECT 1 FROM journal_entries WHERE id = ${entryIdFor(keys.creditRecipient)}`;
    const [target] =
      t.type === 'Internal'
        ? await sql<
            { id: string; status: string }[]
          >`SELECT id, status FROM accounts WHERE account_number = ${t.recipient?.accountNumber ?? ''}`
        : [];
    if (t.type === 'Internal' && t.status === 'Completed') {
      if (target?.status === 'closed') violations.push(`${label}: Completed into the closed account ${target.id}`);
      if (
        credits.length !== 1 ||
        creditById.length !== 1 ||
        credits[0]?.creditAccountId !== target?.id ||
        credits[0]?.amount !== t.amount
      ) {
        violations.push(`${label}: the recipient got ${credits.length} credits (${creditById.length} under the transfer's credit id)`);
      }
    } else if (credits.length > 0 || creditById.length > 0) {
      violations.push(`${label}: a recipient was credited ${credits.length + creditById.length} times without a completed transfer`);
    }

    const [confirmation] = await sql<{ status: string }[]>`SELECT status FROM confirmations WHERE id = ${t.confirmationId ?? ''}`;
    if ((t.status === 'Completed' || t.status === 'Failed') && confirmation?.status !== 'verified') {
      violations.push(`${label}: settled without a verified code (confirmation ${confirmation?.status})`);
    }
    // The provider saw a transfer once it was confirmed, and decided what the transfer says it did.
    const [sent] = await sql<{ status: string }[]>`SELECT status FROM sandbox_provider_payments WHERE transfer_id = ${t.id}`;
    // Internal ones never reach it, and a cancel comes before the provider (Confirmed at the latest).
    const providerWants =
      t.type === 'Internal'
        ? undefined
        : ({ Completed: 'accepted', Returned: 'accepted', Failed: 'rejected' } as Record<string, string>)[t.status];
    if (sent?.status !== providerWants) {
      violations.push(`${label}: the provider has ${sent?.status ?? 'no payment'} for it`);
    }
    const rejecting = (t.reference ?? '').startsWith('REJECT') && t.type !== 'Internal';
    // An Internal transfer fails only when its recipient account closed before it settled, and says so.
    const recipientClosed = t.type === 'Internal' && target?.status === 'closed';
    if (t.status === 'Failed' && recipientClosed && t.failureReason !== RECIPIENT_CLOSED) {
      violations.push(`${label}: its recipient account closed, yet it failed for '${t.failureReason}'`);
    }
    if ((t.status === 'Failed' && !rejecting && !recipientClosed) || (t.status === 'Completed' && rejecting)) {
      violations.push(`${label}: the provider ${rejecting ? 'rejects' : 'accepts'} this reference (failure reason '${t.failureReason}')`);
    }
    // Confirmed by a confirm the client was told succeeded: a refusal (a block, a wrong code) means nothing happened.
    const confirms = confirmsFor.get(t.id) ?? [];
    if ((t.status === 'Completed' || t.status === 'Failed') && !toldSo(confirms)) {
      violations.push(`${label}: settled, yet no confirm was told so: ${confirms.map(describeRequest).join('; ') || 'none sent'}`);
    }
  }

  for (const r of history) {
    if (!r.final) continue;
    const final: Exchange = r.final;
    if (r.op === 'transfer') {
      const derived = derivedId('transfer', 'client', r.clientId ?? '', r.key);
      const t = byId.get(derived);
      if (final.status === 201) {
        const value = final.body?.value;
        if (value?.id !== derived || value?.status !== 'PendingConfirmation' || !t) {
          violations.push(`transfer ${derived}: answered 201 ${value?.status} for ${value?.id}, the ledger has ${t?.status ?? 'nothing'}`);
        }
      } else {
        const entries = await sql`SELECT 1 FROM journal_entries WHERE transfer_id = ${derived}`;
        if (t || entries.length > 0) {
          violations.push(
            `transfer ${derived}: answered ${final.status} ${errorCode(final)} but left a ${t?.status} transfer and ${entries.length} entries`,
          );
        }
      }
    }
    if (final.status !== 200) continue;
    const id = r.path.split('/')[3] ?? '';
    const t = byId.get(id);
    const answered = final.body?.value?.status;
    if (r.op === 'confirm-wrong') violations.push(`confirm ${id}: a wrong code was answered 200 ${answered}`);
    if (r.op === 'confirm') {
      // A confirm that won may see the transfer move on (Processing, Completed, Failed); a cancel can only follow Confirmed.
      const reachable: Record<string, string[]> = {
        Confirmed: ['Completed', 'Failed', 'Cancelled', 'Returned'],
        Processing: ['Completed', 'Failed', 'Returned'],
        Stuck: ['Completed', 'Failed', 'Returned'],
        Completed: ['Completed', 'Returned'],
        Failed: ['Failed'],
      };
      if (!reachable[answered]?.includes(t?.status ?? '')) {
        violations.push(`confirm ${id}: answered 200 ${answered}, the transfer ended ${t?.status}`);
      }
    }
    if ((r.op === 'transfer-cancel' || r.op === 'end-cancel') && (answered !== 'Cancelled' || t?.status !== 'Cancelled')) {
      violations.push(`cancel ${id}: answered 200 ${answered}, the transfer ended ${t?.status}`);
    }
  }
  return finals;
}

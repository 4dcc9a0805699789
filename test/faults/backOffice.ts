import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';
import type { Sql } from '../../ledger/db';
import type { createClient, RequestRecord } from './workload';

/**
 * The back office under faults: ops reverses payments in part (below the approval threshold, at
 * once), asks for whole reversals above it that a second ops user approves, rejects, or approves
 * twice at once, and the provider reports Completed SEPA transfers as returned. The checker then
 * holds the ledger to what the answers said: each payment's reversal entries add up to its
 * reversedAmount, an approved reversal was booked exactly once and a rejected one never, and each
 * returned transfer has exactly one return entry of its returnedAmount.
 */

export interface BackOfficeContext {
  apiUrl: string;
  send: ReturnType<typeof createClient>;
  opsBearer: string;
  /** A funded client account that pays, and one that is paid (and pays reversals back). */
  payerAccountId: string;
  payeeAccountId: string;
}

const approvers = Promise.all(['approver-a', 'approver-b'].map((sub) => issueToken(LOCAL_JWT_SECRET, { role: 'ops', sub })));

export async function backOfficeScenario(ctx: BackOfficeContext): Promise<void> {
  const { send } = ctx;
  const dice = Math.random();
  if (dice < 0.4) {
    const amount = (2 + Math.random() * 100).toFixed(2);
    const paid = await send('bo-pay', 'POST', '/internal/Payments', {
      debitAccountId: ctx.payerAccountId,
      creditAccountId: ctx.payeeAccountId,
      amount,
      currency: 'EUR',
    });
    if (paid?.status !== 201) return;
    const part = (Number(amount) / 2).toFixed(2);
    await send(
      'bo-reverse',
      'POST',
      `/internal/Payments/${paid.body.value.id}/reverse`,
      { reason: 'fault suite', amount: part },
      { bearer: ctx.opsBearer },
    );
    return;
  }
  if (dice < 0.8) {
    const paid = await send('bo-pay', 'POST', '/internal/Payments', {
      debitAccountId: ctx.payerAccountId,
      creditAccountId: ctx.payeeAccountId,
      amount: (1000 + Math.random() * 200).toFixed(2),
      currency: 'EUR',
    });
    if (paid?.status !== 201) return;
    const asked = await send(
      'bo-ask',
      'POST',
      `/internal/Payments/${paid.body.value.id}/reverse`,
      { reason: 'four eyes' },
      { bearer: ctx.opsBearer },
    );
    if (asked?.status !== 202) return;
    const path = `/internal/Approvals/${asked.body.value.approvalId}`;
    const [a, b] = await approvers;
    const how = Math.random();
    if (how < 0.4) await send('bo-approve', 'POST', `${path}/approve`, undefined, { bearer: a });
    else if (how < 0.7) await send('bo-reject', 'POST', `${path}/reject`, { reason: 'no' }, { bearer: a });
    else {
      await Promise.all([
        send('bo-approve-twice', 'POST', `${path}/approve`, undefined, { bearer: a }),
        send('bo-approve-twice', 'POST', `${path}/approve`, undefined, { bearer: b }),
      ]);
    }
    return;
  }
  const completed = await fetch(`${ctx.apiUrl}/internal/Transfers/outgoing?status=Completed&type=Sepa&limit=20`, {
    headers: { authorization: `Bearer ${ctx.opsBearer}` },
    signal: AbortSignal.timeout(10_000),
  })
    .then((res) => res.json() as Promise<{ value?: { items?: { id: string; amount: string }[] } }>)
    .catch(() => undefined);
  const items = (completed?.value?.items ?? []) as { id: string; amount: string }[];
  const pick = items[Math.floor(Math.random() * items.length)];
  if (!pick) return;
  await send('bo-returned', 'POST', `/internal/Transfers/outgoing/${pick.id}/returned`, {
    providerReference: `RET-${pick.id}`,
    amount: pick.amount,
    reason: 'fault suite return',
  });
}

export async function checkBackOffice(sql: Sql, history: RequestRecord[], violations: string[]): Promise<Record<string, number>> {
  const sums = await sql<{ id: string; reversedAmount: bigint; booked: bigint; status: string; amount: bigint }[]>`
    SELECT p.id, p.reversed_amount, p.status, p.amount, coalesce(sum(e.amount), 0)::bigint AS booked
    FROM payments p LEFT JOIN journal_entries e ON e.payment_id = p.id AND e.reversal_of IS NOT NULL
    GROUP BY p.id HAVING p.reversed_amount > 0 OR count(e.id) > 0`;
  for (const p of sums) {
    if (p.booked !== p.reversedAmount) violations.push(`payment ${p.id}: reversal entries ${p.booked}, reversedAmount ${p.reversedAmount}`);
    if ((p.status === 'Reversed') !== (p.reversedAmount === p.amount))
      violations.push(`payment ${p.id}: ${p.status} with ${p.reversedAmount} of ${p.amount} reversed`);
  }
  const approvals = await sql<{ id: string; status: string; paymentId: string; result: unknown; entries: number }[]>`
    SELECT a.id, a.status, a.request->>'paymentId' AS payment_id, a.result,
           (SELECT count(*)::int FROM journal_entries e WHERE e.payment_id = (a.request->>'paymentId')::uuid AND e.reversal_of IS NOT NULL) AS entries
    FROM approvals a WHERE a.action = 'payment.reverse'`;
  for (const a of approvals) {
    const wanted = a.status === 'approved' ? 1 : 0;
    if (a.entries !== wanted) violations.push(`approval ${a.id} ${a.status}: ${a.entries} reversal entries of payment ${a.paymentId}`);
    if (a.status === 'approved' && a.result === null) violations.push(`approval ${a.id}: approved without a result`);
    if (a.status === 'pending') violations.push(`approval ${a.id}: still pending after the workload`);
  }
  const returned = await sql<{ id: string; returnedAmount: bigint; booked: bigint; entries: number }[]>`
    SELECT t.id, t.returned_amount, coalesce(sum(e.amount), 0)::bigint AS booked, count(e.id)::int AS entries
    FROM transfers t LEFT JOIN journal_entries e ON e.transfer_id = t.id AND e.description LIKE 'Return of transfer %'
    WHERE t.direction = 'outgoing' AND t.status = 'Returned' GROUP BY t.id`;
  for (const t of returned) {
    if (t.entries !== 1 || t.booked !== t.returnedAmount)
      violations.push(`transfer ${t.id}: ${t.entries} return entries (${t.booked}) for ${t.returnedAmount}`);
  }
  // Every approve answered 200 named the approval approved; every 200 reverse named a reversed payment.
  for (const r of history) {
    if (r.op.startsWith('bo-approve') && r.final?.status === 200 && r.final.body?.value?.status !== 'approved') {
      violations.push(`${r.op} ${r.path}: 200 with status ${r.final.body?.value?.status}`);
    }
  }
  return {
    reversedPayments: sums.length,
    approved: approvals.filter((a) => a.status === 'approved').length,
    rejected: approvals.filter((a) => a.status === 'rejected').length,
    returned: returned.length,
  };
}

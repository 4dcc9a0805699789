import { dayStart } from '../domain/calendar';
import { type CurrencyReconciliation, type LedgerSettlementLine, type ProviderStatementLine, reconcile } from '../domain/reconciliation';
import type { Queryable } from '../ledger/db';

/** How long after the provider decides a payment the ledger may take to book it before it is a break. */
export const RECONCILIATION_GRACE_MS = 2 * 60_000;

/**
 * The sandbox provider's statement (its own book, sandbox_provider_payments; see
 * activities/provider.ts): what it accepted and decided. A submission it never answered (TIMEOUT,
 * or FAIL<n> before its n-th attempt) was never carried out, so it is not on the statement.
 */
function providerStatement(sql: Queryable, where: { from: Date; to: Date } | { references: string[] }) {
  const scope =
    'references' in where
      ? sql`provider_reference = ANY(${where.references})`
      : sql`decide_at >= ${where.from} AND decide_at < ${where.to}`;
  return sql<ProviderStatementLine[]>`
    SELECT provider_reference, amount, currency, decide_at AS settled_at
    FROM sandbox_provider_payments
    WHERE ${scope} AND status = 'accepted' AND decide_at <= now()
      AND upper(coalesce(reference, '')) NOT LIKE '%TIMEOUT%'
      AND NOT (upper(coalesce(reference, '')) ~ 'FAIL[0-9]+'
               AND submit_attempts <= substring(upper(reference) FROM 'FAIL([0-9]+)')::int)`;
}

/**
 * The ledger's settlement entries of outgoing transfers sent through the provider: the amount
 * posted to the settlement account, with the transfer's provider reference. A transfer ops
 * executed by hand was settled outside the provider and is left out.
 */
function ledgerSettlements(sql: Queryable, where: { from: Date; to: Date } | { references: string[] }) {
  const scope =
    'references' in where
      ? sql`t.provider_reference = ANY(${where.references})`
      : sql`j.created_at >= ${where.from} AND j.created_at < ${where.to}`;
  return sql<LedgerSettlementLine[]>`
    SELECT t.provider_reference, j.id AS entry_id, t.id AS transfer_id, j.amount, j.currency, j.created_at AS booked_at
    FROM journal_entries j
    JOIN accounts s ON s.id = j.credit_account_id AND s.kind = 'internal' AND s.purpose = 'settlement'
    JOIN transfers t ON t.id = j.transfer_id AND t.direction = 'outgoing' AND t.provider_reference IS NOT NULL
    WHERE ${scope} AND j.kind = 'post_pending'
      AND NOT EXISTS (SELECT 1 FROM transfer_audit a WHERE a.transfer_id = t.id AND a.action = 'execute')`;
}

/** The reconciliation of one UTC day: the day's lines of each side, matched by provider reference. */
export async function reconcileDay(sql: Queryable, date: string, now: Date): Promise<CurrencyReconciliation[]> {
  const start = dayStart(date);
  const day = { from: start, to: new Date(start.getTime() + 24 * 3600 * 1000) };
  const [ledgerDay, providerDay] = await Promise.all([ledgerSettlements(sql, day), providerStatement(sql, day)]);
  // The other side of each reference, whatever day it is dated (a payment settled just before midnight).
  const [ledgerOther, providerOther] = await Promise.all([
    ledgerSettlements(sql, { references: providerDay.map((p) => p.providerReference) }),
    providerStatement(sql, { references: ledgerDay.map((l) => l.providerReference) }),
  ]);
  const unique = <T>(rows: T[], key: (row: T) => string) => [...new Map(rows.map((r) => [key(r), r])).values()];
  return reconcile({
    day: { start: day.from, end: day.to },
    ledger: unique([...ledgerDay, ...ledgerOther], (l) => l.entryId),
    provider: unique([...providerDay, ...providerOther], (p) => p.providerReference),
    graceBefore: new Date(now.getTime() - RECONCILIATION_GRACE_MS),
  });
}

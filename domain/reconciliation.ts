import type { Currency } from './currency';

/** Matching the provider's statement of what it settled against the ledger's settlement entries. */

export type BreakKind = 'missing_in_ledger' | 'missing_at_provider' | 'amount_mismatch' | 'duplicate';

/** A settlement entry of the ledger: an outgoing transfer's amount posted to the settlement account. */
export interface LedgerSettlementLine {
  providerReference: string;
  entryId: string;
  transferId: string;
  amount: bigint;
  currency: Currency;
  bookedAt: Date;
}

/** A payment the provider says it settled. */
export interface ProviderStatementLine {
  providerReference: string;
  amount: bigint;
  currency: Currency;
  settledAt: Date;
}

export interface ReconciliationBreak {
  kind: BreakKind;
  providerReference: string;
  currency: Currency;
  ledgerAmount: bigint | null;
  providerAmount: bigint | null;
}

export interface CurrencyReconciliation {
  currency: Currency;
  /** The day's settlement entries. */
  ledgerSettlement: bigint;
  /** What the provider settled that day. */
  providerBalance: bigint;
  difference: bigint;
  breaks: ReconciliationBreak[];
}

export interface ReconciliationInput {
  day: { start: Date; end: Date };
  /** The day's lines of each side plus, for each reference among them, the other side's lines of any day. */
  ledger: LedgerSettlementLine[];
  provider: ProviderStatementLine[];
  /**
   * A provider line settled after this is not yet a break when the ledger lacks it: the workflow
   * that books it polls the provider and may not have seen the decision yet.
   */
  graceBefore: Date;
}

const inDay = (t: Date, day: ReconciliationInput['day']) => t >= day.start && t < day.end;

/** Per currency: the day's sums on both sides and every break among the day's references. */
export function reconcile(input: ReconciliationInput): CurrencyReconciliation[] {
  const ledgerByRef = new Map<string, LedgerSettlementLine[]>();
  for (const l of input.ledger) ledgerByRef.set(l.providerReference, [...(ledgerByRef.get(l.providerReference) ?? []), l]);
  const providerByRef = new Map(input.provider.map((p) => [p.providerReference, p]));
  const result = new Map<Currency, CurrencyReconciliation>();
  const of = (currency: Currency) => {
    let r = result.get(currency);
    if (!r) {
      r = { currency, ledgerSettlement: 0n, providerBalance: 0n, difference: 0n, breaks: [] };
      result.set(currency, r);
    }
    return r;
  };
  for (const l of input.ledger) if (inDay(l.bookedAt, input.day)) of(l.currency).ledgerSettlement += l.amount;
  for (const p of input.provider) if (inDay(p.settledAt, input.day)) of(p.currency).providerBalance += p.amount;

  const refs = new Set([
    ...input.ledger.filter((l) => inDay(l.bookedAt, input.day)).map((l) => l.providerReference),
    ...input.provider.filter((p) => inDay(p.settledAt, input.day)).map((p) => p.providerReference),
  ]);
  for (const ref of [...refs].sort()) {
    const lines = ledgerByRef.get(ref) ?? [];
    const p = providerByRef.get(ref);
    const ledgerAmount = lines.length === 0 ? null : lines.reduce((sum, l) => sum + l.amount, 0n);
    const currency = p?.currency ?? (lines[0]?.currency as Currency);
    const add = (kind: BreakKind) =>
      of(currency).breaks.push({ kind, providerReference: ref, currency, ledgerAmount, providerAmount: p?.amount ?? null });
    if (lines.length > 1) add('duplicate');
    else if (lines.length === 0) {
      if (p && p.settledAt < input.graceBefore) add('missing_in_ledger');
    } else if (!p) add('missing_at_provider');
    else if (p.amount !== ledgerAmount || p.currency !== lines[0]?.currency) add('amount_mismatch');
  }
  for (const r of result.values()) r.difference = r.ledgerSettlement - r.providerBalance;
  return [...result.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Currency } from '../../domain/currency';
import { DomainError } from '../../domain/errors';
import { newId } from '../../domain/ids';
import { createAccount } from '../../ledger/accounts';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import { createSql, type Sql } from '../../ledger/db';
import { fastPathWrites, recordEntries } from '../../ledger/journal';
import { migrate } from '../../ledger/migrate';
import type { EntryRequest, MovementRequest } from '../../ledger/types';
import { insertClient } from '../../store/clients';
import { testEnv } from '../support/env';

// The fast path (ledger/journal.ts tryFastMovement) must be a pure optimisation of the one decision
// module (ledger/decision.ts): random sequences of writes go through both, each on a fresh database
// of its own, one with the fast path and one without, and every answer, the journal, the refusals
// kept under their ids and every account's counters must come out the same.

const admin = createSql(testEnv().databaseUrl, { max: 1 });
const suffix = newId().replaceAll('-', '').slice(0, 12);
const names = { withFastPath: `fast_path_${suffix}`, decisionOnly: `decision_only_${suffix}` };
let withFastPath: Sql;
let decisionOnly: Sql;

function open(name: string): Sql {
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${name}`;
  return createSql(url.toString(), { max: 2 });
}

beforeAll(async () => {
  for (const name of Object.values(names)) await admin.unsafe(`CREATE DATABASE ${name}`);
  withFastPath = open(names.withFastPath);
  decisionOnly = open(names.decisionOnly);
  await migrate(withFastPath);
  await migrate(decisionOnly);
  // The migrations draw the internal accounts' ids at random: the second database takes the first's.
  const internal = await withFastPath<{ id: string; currency: string; purpose: string }[]>`
    SELECT id, currency, purpose FROM accounts WHERE kind = 'internal'`;
  for (const a of internal) {
    await decisionOnly`UPDATE accounts SET id = ${a.id} WHERE kind = 'internal' AND currency = ${a.currency} AND purpose = ${a.purpose}`;
  }
}, 120_000);

afterAll(async () => {
  for (const sql of [withFastPath, decisionOnly]) {
    const report = await checkInvariants(sql);
    expect(report.ok, formatInvariantReport(report)).toBe(true);
    await sql.end();
  }
  for (const name of Object.values(names)) await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
});

const CURRENCIES: Currency[] = ['EUR', 'USD'];
const PROPERTY_SEED = Number(process.env.PROPERTY_SEED ?? 20261208);

/** A client account of one run, opened the same in both databases. */
interface AccountSpec {
  currency: Currency;
  funded: bigint;
  status: 'active' | 'blocked' | 'closed';
  clientBlocked: boolean;
}

const accountSpec: fc.Arbitrary<AccountSpec> = fc.record({
  currency: fc.constantFrom(...CURRENCIES),
  funded: fc.bigInt({ min: 0n, max: 400n }),
  status: fc.constantFrom<AccountSpec['status']>('active', 'active', 'active', 'active', 'blocked', 'closed'),
  clientBlocked: fc.constantFrom(false, false, false, true),
});

/** An account a run writes to: its client accounts and the shared internal settlement accounts. */
interface RunAccount {
  id: string;
  currency: Currency;
}

/** A write by indexes into the run's accounts and entry ids, turned into requests per run. */
type Step =
  | { type: 'move'; kind: 'posted' | 'pending'; debit: number; credit: number; amount: bigint; otherCurrency: boolean; id: number }
  | { type: 'resolve'; kind: 'post_pending' | 'void_pending'; pending: number; amount: bigint | undefined; id: number }
  | { type: 'holdWithFee'; debit: number; credit: number; fee: number; amount: bigint; feeAmount: bigint; id: number; feeId: number }
  | { type: 'resolveTwiceInOneWrite'; pending: number; id: number; otherId: number }
  | { type: 'holdThenSettle'; debit: number; credit: number; amount: bigint; settled: bigint; id: number; settleId: number }
  | { type: 'unknownAccount'; amount: bigint; id: number }
  | { type: 'repeat'; of: number };

/** Few ids, so ids repeat: the same write again, and other fields under a used id. */
const ID_POOL = 10;
const account = fc.nat({ max: 7 });
const id = fc.nat({ max: ID_POOL - 1 });
/** Now and then 0 (refused as invalid), else up to about what an account holds. */
const amount = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 15, arbitrary: fc.bigInt({ min: 1n, max: 300n }) });

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('move' as const),
      kind: fc.constantFrom<'posted' | 'pending'>('posted', 'pending'),
      debit: account,
      credit: account,
      amount,
      otherCurrency: fc.constantFrom(false, false, false, false, false, true),
      id,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('resolve' as const),
      kind: fc.constantFrom<'post_pending' | 'void_pending'>('post_pending', 'void_pending'),
      pending: fc.nat({ max: 3 }),
      amount: fc.option(amount, { nil: undefined }),
      id,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('holdThenSettle' as const),
      debit: account,
      credit: account,
      amount,
      settled: amount,
      id: fc.nat({ max: 3 }),
      settleId: id,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('resolveTwiceInOneWrite' as const), pending: fc.nat({ max: 3 }), id, otherId: id }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('holdWithFee' as const),
      debit: account,
      credit: account,
      fee: account,
      amount,
      feeAmount: fc.bigInt({ min: 1n, max: 50n }),
      id,
      feeId: id,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('unknownAccount' as const), amount, id }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('repeat' as const), of: fc.nat({ max: 30 }) }) },
);

/** Opens the run's accounts in both databases with the same ids, funds and states. */
async function openAccounts(specs: AccountSpec[]): Promise<RunAccount[]> {
  const settlement = await withFastPath<{ id: string; currency: string }[]>`
    SELECT id, currency FROM accounts WHERE kind = 'internal' AND purpose = 'settlement'`;
  const settlementOf = new Map(settlement.map((a) => [a.currency, a.id]));
  const clientId = newId();
  const plans = specs.map((spec) => ({ spec, id: newId(), fundingId: newId() }));
  for (const sql of [withFastPath, decisionOnly]) {
    await insertClient(sql, {
      id: clientId,
      type: 'individual',
      firstName: 'Prop',
      lastName: 'Erty',
      companyName: null,
      email: `prop-${clientId}@example.com`,
      phone: null,
      country: 'GB',
      externalId: null,
    });
    for (const { spec, id, fundingId } of plans) {
      await createAccount(sql, { id, clientId, currency: spec.currency, kind: 'client', purpose: 'current', name: 'prop' });
      if (spec.funded > 0n) {
        await recordEntries(
          sql,
          [
            {
              kind: 'posted',
              id: fundingId,
              debitAccountId: settlementOf.get(spec.currency) as string,
              creditAccountId: id,
              amount: spec.funded,
              currency: spec.currency,
            },
          ],
          { groupCommit: false },
        );
      }
      await sql`UPDATE accounts SET status = ${spec.status}, client_blocked = ${spec.clientBlocked} WHERE id = ${id}`;
    }
  }
  const clients = plans.map((p) => ({ id: p.id, currency: p.spec.currency }));
  return [
    ...clients,
    ...settlement.filter((a) => CURRENCIES.includes(a.currency as Currency)).map((a) => ({ id: a.id, currency: a.currency as Currency })),
  ];
}

/** The steps as requests, with this run's account and entry ids. */
function requestsOf(steps: Step[], accounts: RunAccount[], ids: string[]): EntryRequest[][] {
  const writes: EntryRequest[][] = [];
  const accountAt = (i: number) => (accounts[i % accounts.length] as RunAccount).id;
  const currencyAt = (i: number) => (accounts[i % accounts.length] as RunAccount).currency;
  const idAt = (i: number) => ids[i] as string;
  const move = (
    kind: 'posted' | 'pending',
    debit: number,
    credit: number,
    amount: bigint,
    id: string,
    currency: Currency,
  ): MovementRequest => ({
    kind,
    id,
    debitAccountId: accountAt(debit),
    creditAccountId: accountAt(credit),
    amount,
    currency,
  });
  for (const s of steps) {
    switch (s.type) {
      case 'move': {
        const currency = currencyAt(s.debit);
        const other = currency === 'EUR' ? 'USD' : 'EUR';
        writes.push([move(s.kind, s.debit, s.credit, s.amount, idAt(s.id), s.otherCurrency ? other : currency)]);
        break;
      }
      case 'resolve':
        writes.push([
          s.kind === 'void_pending'
            ? { kind: 'void_pending', id: idAt(s.id), pendingId: idAt(s.pending) }
            : { kind: 'post_pending', id: idAt(s.id), pendingId: idAt(s.pending), ...(s.amount === undefined ? {} : { amount: s.amount }) },
        ]);
        break;
      case 'holdThenSettle':
        writes.push([move('pending', s.debit, s.credit, s.amount, idAt(s.id), currencyAt(s.debit))]);
        writes.push([{ kind: 'post_pending', id: idAt(s.settleId), pendingId: idAt(s.id), amount: s.settled }]);
        break;
      case 'resolveTwiceInOneWrite':
        writes.push([
          { kind: 'post_pending', id: idAt(s.id), pendingId: idAt(s.pending) },
          { kind: 'void_pending', id: idAt(s.otherId), pendingId: idAt(s.pending) },
        ]);
        break;
      case 'holdWithFee':
        writes.push([
          move('pending', s.debit, s.credit, s.amount, idAt(s.id), currencyAt(s.debit)),
          move('posted', s.debit, s.fee, s.feeAmount, idAt(s.feeId), currencyAt(s.debit)),
        ]);
        break;
      case 'unknownAccount':
        writes.push([{ ...move('posted', 0, 1, s.amount, idAt(s.id), currencyAt(0)), debitAccountId: newId() }]);
        break;
      case 'repeat': {
        const earlier = writes.length > 0 ? writes[s.of % writes.length] : undefined;
        if (earlier) writes.push(earlier);
        break;
      }
    }
  }
  return writes;
}

/** An answer without what only the database adds (seq, created_at), comparable across databases. */
async function answerOf(write: Promise<unknown[]>): Promise<unknown> {
  try {
    const entries = (await write) as Record<string, unknown>[];
    return { ok: entries.map(({ seq: _seq, createdAt: _createdAt, ...fields }) => ({ reversalOf: null, ...fields })) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { refused: { code: error.code, message: error.message, metadata: error.metadata } };
  }
}

/** What a database holds for these accounts and ids: journal in order, refusals, counters. */
async function stateOf(sql: Sql, runAccounts: RunAccount[], ids: string[]) {
  const accounts = runAccounts.map((a) => a.id);
  const [journal, refusals, counters] = await Promise.all([
    sql`
      SELECT id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, payment_id, transfer_id, description, reversal_of
      FROM journal_entries WHERE debit_account_id = ANY(${accounts}::uuid[]) OR credit_account_id = ANY(${accounts}::uuid[])
      ORDER BY seq`,
    sql`SELECT id, code, message, metadata FROM ledger_rejections WHERE id = ANY(${ids}::uuid[]) ORDER BY id`,
    sql`
      SELECT id, debits_pending, debits_posted, credits_pending, credits_posted, balance, available
      FROM accounts WHERE id = ANY(${accounts}::uuid[]) OR kind = 'internal' ORDER BY id`,
  ]);
  return { journal: [...journal], refusals: [...refusals], counters: [...counters] };
}

/**
 * A run the random ones rarely make: a pending posted, then voided under another id
 * (PENDING_ALREADY_RESOLVED), and posted again under the first id (the same write, answered again).
 */
const RESOLVED_TWICE: [AccountSpec[], Step[]] = [
  [
    { currency: 'EUR', funded: 300n, status: 'active', clientBlocked: false },
    { currency: 'EUR', funded: 0n, status: 'active', clientBlocked: false },
  ],
  [
    { type: 'move', kind: 'pending', debit: 0, credit: 1, amount: 40n, otherCurrency: false, id: 0 },
    { type: 'resolve', kind: 'post_pending', pending: 0, amount: undefined, id: 1 },
    { type: 'resolve', kind: 'void_pending', pending: 0, amount: undefined, id: 2 },
    { type: 'resolve', kind: 'post_pending', pending: 0, amount: undefined, id: 1 },
    { type: 'move', kind: 'pending', debit: 0, credit: 1, amount: 50n, otherCurrency: false, id: 3 },
    { type: 'resolve', kind: 'void_pending', pending: 3, amount: undefined, id: 4 },
    { type: 'resolve', kind: 'post_pending', pending: 3, amount: 20n, id: 5 },
    { type: 'move', kind: 'posted', debit: 1, credit: 0, amount: 10n, otherCurrency: false, id: 6 },
  ],
];

describe('the fast path is a pure optimisation of the decision module', () => {
  it('gives the same answers, journal, refusals and counters as decision.ts alone, for random sequences of writes', async () => {
    const fastBefore = fastPathWrites();
    let writesCompared = 0;
    const answerKinds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(accountSpec, { minLength: 2, maxLength: 6 }),
        fc.array(step, { minLength: 8, maxLength: 30 }),
        async (specs, steps) => {
          const accounts = await openAccounts(specs);
          const ids = Array.from({ length: ID_POOL }, () => newId());
          const writes = requestsOf(steps, accounts, ids);
          for (const write of writes) {
            const fast = await answerOf(recordEntries(withFastPath, write, { groupCommit: false }));
            const decided = await answerOf(recordEntries(decisionOnly, write, { groupCommit: false, fastPath: false }));
            expect(
              fast,
              JSON.stringify(write, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
            ).toEqual(decided);
            answerKinds.add('ok' in (fast as object) ? 'ok' : (fast as { refused: { code: string } }).refused.code);
            writesCompared += 1;
          }
          expect(await stateOf(withFastPath, accounts, ids)).toEqual(await stateOf(decisionOnly, accounts, ids));
        },
      ),
      // A fixed seed: every run covers the same sequences, so the coverage check below cannot flake;
      // PROPERTY_SEED=<n> explores others (fast-check prints the seed and path of a failure).
      { numRuns: 60, seed: PROPERTY_SEED, examples: [RESOLVED_TWICE] },
    );
    // The runs met what they were made for: both paths taken, and the refusals the rules give.
    expect(fastPathWrites() - fastBefore, 'writes the fast path made').toBeGreaterThan(50);
    expect(writesCompared).toBeGreaterThan(400);
    for (const kind of [
      'ok',
      'INSUFFICIENT_FUNDS',
      'EXISTS_WITH_DIFFERENT_FIELDS',
      'PENDING_ALREADY_RESOLVED',
      'NOT_FOUND',
      'CURRENCY_MISMATCH',
      'ACCOUNT_NOT_ACTIVE',
      'SAME_ACCOUNT',
      'CLIENT_BLOCKED',
      'VALIDATION_ERROR',
      'AMOUNT_EXCEEDS_PENDING',
    ]) {
      expect(answerKinds, `no answer ${kind} in the runs`).toContain(kind);
    }
  }, 300_000);
});

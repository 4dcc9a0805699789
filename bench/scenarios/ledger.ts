import { newId } from '../../domain/ids';
import { createAccount, getInternalAccount } from '../../ledger/accounts';
import { recordBatch } from '../../ledger/batch';
import type { Sql } from '../../ledger/db';
import { recordEntry } from '../../ledger/journal';
import type { EntryRequest } from '../../ledger/types';
import { insertClient } from '../../store/clients';
import { measure, measurePair, summarize } from '../measure';
import type { Row } from '../report';

export interface LedgerBenchOptions {
  durationMs: number;
  concurrencies: number[];
  batchSizes: number[];
  batchConcurrency: number;
}

const CURRENCY = 'EUR';

/** `count` client accounts, each funded with plenty, so no posting of 0.01 is refused. */
export async function openFundedAccounts(sql: Sql, count: number): Promise<string[]> {
  const { client } = await insertClient(sql, {
    id: newId(),
    type: 'business',
    firstName: null,
    lastName: null,
    companyName: 'Bench Ltd',
    email: 'bench@example.com',
    phone: null,
    country: 'DE',
    externalId: null,
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 100) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, () =>
        createAccount(sql, { id: newId(), clientId: client.id, currency: CURRENCY, kind: 'client', purpose: 'current', name: 'bench' }),
      ),
    );
    ids.push(...chunk.map((a) => a.id));
  }
  const settlement = await getInternalAccount(sql, CURRENCY, 'settlement');
  if (!settlement) throw new Error('no settlement account');
  const funding: EntryRequest[] = ids.map((id) => ({
    kind: 'posted',
    id: newId(),
    debitAccountId: settlement.id,
    creditAccountId: id,
    amount: 10n ** 12n,
    currency: CURRENCY,
  }));
  await recordBatch(sql, funding);
  return ids;
}

const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)] as string;

function randomPair(ids: string[], hot?: string): [string, string] {
  const debit = hot ?? pick(ids);
  let credit = pick(ids);
  while (credit === debit) credit = pick(ids);
  return [debit, credit];
}

/**
 * The baseline: the same database work as bare postgres.js, one insert and two guarded balance
 * updates (in account id order, like the ledger) pipelined in one transaction.
 */
async function barePosting(sql: Sql, debit: string, credit: string) {
  await sql.begin((tx) => {
    const debitUpdate = tx`
      UPDATE accounts SET debits_posted = debits_posted + 1
      WHERE id = ${debit} AND (kind = 'internal' OR credits_posted - debits_posted - debits_pending + overdraft_limit - 1 >= 0)`;
    const creditUpdate = tx`UPDATE accounts SET credits_posted = credits_posted + 1 WHERE id = ${credit}`;
    return [
      ...(debit < credit ? [debitUpdate, creditUpdate] : [creditUpdate, debitUpdate]),
      tx`INSERT INTO journal_entries (id, kind, debit_account_id, credit_account_id, amount, currency)
         VALUES (${newId()}, 'posted', ${debit}, ${credit}, 1, ${CURRENCY})`,
    ];
  });
}

/** A posting of 0.01 between two accounts, under a fresh id. */
const posting = ([debit, credit]: [string, string]): EntryRequest => ({
  kind: 'posted',
  id: newId(),
  debitAccountId: debit,
  creditAccountId: credit,
  amount: 1n,
  currency: CURRENCY,
});

const ledgerPosting = (sql: Sql, pair: [string, string]) => recordEntry(sql, posting(pair));

/** `size` random postings (debiting `hot` when given) in one batch; a refused one fails the operation. */
async function postBatch(sql: Sql, accounts: string[], size: number, hot?: string) {
  const results = await recordBatch(
    sql,
    Array.from({ length: size }, () => posting(randomPair(accounts, hot))),
  );
  if (results.some((r) => !r.ok)) throw new Error('a batched posting was refused');
}

/** Scenarios 1-3: the ledger module against bare SQL, a hot account, and batches. */
export async function ledgerScenarios(sql: Sql, options: LedgerBenchOptions, log: (line: string) => void): Promise<Row[]> {
  const accounts = await openFundedAccounts(sql, 1_000);
  const rows: Row[] = [];
  const baselineAt = new Map<number, number>();
  const coreAt = new Map<number, number>();

  for (const concurrency of options.concurrencies) {
    // Alternating slices, so drift on a shared machine hits baseline and ledger alike.
    const [bareRun, coreRun] = await measurePair(
      { concurrency, durationMs: 2 * options.durationMs },
      () => barePosting(sql, ...randomPair(accounts)),
      () => ledgerPosting(sql, randomPair(accounts)),
    );
    const [bare, core] = [summarize(bareRun), summarize(coreRun)];
    baselineAt.set(concurrency, bare.throughput);
    rows.push({ scenario: '1 ledger core', variant: 'baseline: bare SQL', concurrency, ...bare });
    coreAt.set(concurrency, core.throughput);
    const ratio = core.throughput / bare.throughput;
    rows.push({
      scenario: '1 ledger core',
      variant: 'ledger recordEntry',
      concurrency,
      ...core,
      baseline: { name: 'bare SQL', throughput: bare.throughput },
      ratio,
      target: '>= 0.8x',
      met: ratio >= 0.8,
    });
    log(`scenario 1 at concurrency ${concurrency}: ${core.throughput.toFixed(0)}/s vs bare ${bare.throughput.toFixed(0)}/s`);
  }

  // The hot account: postings one per call (group commit joins those that arrive while the account
  // is being written), the same with group commit off, and postings the caller batches itself.
  const hot = accounts[0] as string;
  const HOT_BATCH = 50;
  const hotVariants = [
    {
      variant: 'every posting debits one account',
      concurrencies: options.concurrencies,
      items: 1,
      run: () => ledgerPosting(sql, randomPair(accounts, hot)),
    },
    {
      // What group commit (ledger/groupCommit.ts) is measured against: each posting its own transaction.
      variant: 'the same, group commit off',
      concurrencies: options.concurrencies.filter((c) => c > 1),
      items: 1,
      run: () => recordEntry(sql, posting(randomPair(accounts, hot)), { groupCommit: false }),
    },
    {
      variant: `batched, ${HOT_BATCH} per call`,
      concurrencies: options.concurrencies.filter((c) => c > 1),
      items: HOT_BATCH,
      run: () => postBatch(sql, accounts, HOT_BATCH, hot),
    },
  ];
  for (const { variant, concurrencies, items, run } of hotVariants) {
    for (const concurrency of concurrencies) {
      const result = summarize(await measure({ concurrency, durationMs: options.durationMs, itemsPerOperation: items }, run));
      const reference = coreAt.get(concurrency) as number;
      const ratio = result.throughput / reference;
      rows.push({
        scenario: '2 hot account',
        variant,
        concurrency,
        ...result,
        baseline: { name: 'scenario 1', throughput: reference },
        ratio,
        target: '>= 0.5x',
        met: ratio >= 0.5,
      });
      log(`scenario 2 (${variant}) at concurrency ${concurrency}: ${result.throughput.toFixed(0)} postings/s`);
    }
  }

  const concurrency = options.batchConcurrency;
  const baseline = baselineAt.get(concurrency) ?? (baselineAt.values().next().value as number);
  for (const size of options.batchSizes) {
    const result = summarize(
      await measure({ concurrency, durationMs: options.durationMs, itemsPerOperation: size }, () => postBatch(sql, accounts, size)),
    );
    const ratio = result.throughput / baseline;
    rows.push({
      scenario: '3 batched postings',
      variant: `batch of ${size}`,
      concurrency,
      ...result,
      baseline: { name: 'bare SQL', throughput: baseline },
      ratio,
      ...(size === 1000 ? { target: '>= 20x', met: ratio >= 20 } : {}),
    });
    log(`scenario 3 batch ${size}: ${result.throughput.toFixed(0)} postings/s`);
  }
  return rows;
}

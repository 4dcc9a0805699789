import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports';
import { addDays, utcDate } from '../../domain/calendar';
import { ALL_CHECKS } from '../../domain/ledgerChecks';
import { DAILY_BALANCE_SCHEDULE_ID, DAILY_CHECK_SCHEDULE_ID } from '../../worker/schedules';
import { token } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { useOwnWorker, useTestApi } from '../support/suite';

// The suite's workflows run on a worker of its own that serves its metrics, so the test can read
// daily_check_failures_total where the check's activity counted it.
const workerEnv: NodeJS.ProcessEnv = {};
beforeAll(async () => {
  workerEnv.WORKER_METRICS_PORT = String(await freePort());
});
const worker = useOwnWorker(workerEnv);
const api = useTestApi({ taskQueue: worker.taskQueue });

const today = () => utcDate(new Date());
const GERMAN_IBAN = 'DE89370400440532013000';

/** Waits for a workflow; a failed one answers with its failure instead of throwing. */
async function outcome(workflowId: string): Promise<{ ok: true; result: any } | { ok: false; failure: WorkflowFailedError }> {
  try {
    return { ok: true, result: await api().temporal.workflow.getHandle(workflowId).result() };
  } catch (error) {
    if (error instanceof WorkflowFailedError) return { ok: false, failure: error };
    throw error;
  }
}

async function pay(from: string, to: string, amount: string) {
  const res = await api().post('/internal/Payments', { debitAccountId: from, creditAccountId: to, amount, currency: 'EUR' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** A completed SEPA transfer through the sandbox provider; returns its id and provider reference. */
async function completedTransfer(amount: string) {
  const c = await openAccount(api(), 'EUR', '100.00');
  const as = { token: await token('client', c.clientId) };
  const created = await api().post(
    '/Transfers/outgoing',
    {
      accountId: c.id,
      amount,
      currency: 'EUR',
      reference: 'recon',
      recipient: { name: 'J', iban: GERMAN_IBAN, country: 'DE', currency: 'EUR' },
    },
    as,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.value.id as string;
  const sent = await api().get(`/internal/Notifications?clientId=${c.clientId}&limit=1`);
  const code = /code is (\d{6})/.exec(sent.body.value.items[0].body)?.[1];
  expect((await api().put(`/Transfers/outgoing/${id}/confirm`, { code }, as)).status).toBe(200);
  await expect
    .poll(async () => (await api().get(`/internal/Transfers/outgoing/${id}`)).body.value.status, { timeout: 30_000, interval: 200 })
    .toBe('Completed');
  const transfer = (await api().get(`/internal/Transfers/outgoing/${id}`)).body.value;
  return { id, providerReference: transfer.providerReference as string };
}

describe('account statement', () => {
  it('lists posted money oldest first with a running balance, as JSON and streamed CSV', async () => {
    const a = await openAccount(api(), 'EUR', '100.00');
    const b = await openAccount(api(), 'EUR');
    await pay(a.id, b.id, '30.25');
    // A hold is not posted money: it stays out of the statement.
    const draft = await api().post('/internal/Payments/draft', {
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: '5',
      currency: 'EUR',
    });
    expect((await api().post(`/internal/Payments/${draft.body.value.id}/pend`)).status).toBe(200);

    const path = `/internal/Transactions/report?accountId=${a.id}&from=${addDays(today(), -1)}&to=${today()}`;
    const res = await api().get(path);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = res.body.value;
    expect(s).toMatchObject({ accountId: a.id, currency: 'EUR', openingBalance: '0.00', totalCredits: '100.00', totalDebits: '30.25' });
    expect(s.closingBalance).toBe('69.75');
    expect(s.entries.map((e: any) => [e.type, e.debit, e.credit, e.balance])).toEqual([
      ['posted', '0.00', '100.00', '100.00'],
      ['posted', '30.25', '0.00', '69.75'],
    ]);
    expect(s.entries[1].counterpartyAccountId).toBe(b.id);

    // Not JSON, so straight from the app rather than through the JSON-reading helper.
    const csv = await api().app.request(path, { headers: { authorization: `Bearer ${api().tokens.system}`, accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('date,id,type,description,counterparty,counterpartyAccount,reference,debit,credit,balance');
    expect(lines.slice(1).map((l) => l.split(',').slice(-3))).toEqual([
      ['0.00', '100.00', '100.00'],
      ['30.25', '0.00', '69.75'],
    ]);

    // A period before the money came: empty, opening and closing zero.
    const before = await api().get(`/internal/Transactions/report?accountId=${a.id}&from=2020-01-01&to=2020-01-31`);
    expect(before.body.value).toMatchObject({ openingBalance: '0.00', closingBalance: '0.00', entries: [] });
    expect((await api().get(`/internal/Transactions/report?accountId=${randomUUID()}&from=2020-01-01&to=2020-01-02`)).status).toBe(404);
    // to before from fits the schema but no statement: a rule (422); a day that does not exist is a malformed date (400).
    expect((await api().get(`/internal/Transactions/report?accountId=${a.id}&from=2020-01-02&to=2020-01-01`)).status).toBe(422);
    expect((await api().get(`/internal/Transactions/report?accountId=${a.id}&from=2020-02-30&to=2020-03-01`)).status).toBe(400);
    expect((await api().post(`/internal/Payments/${draft.body.value.id}/cancel`)).status).toBe(200);
  });
});

describe('daily account balances', () => {
  it('snapshots today as of now, chains days, rebuilds a range, and refuses the future', async () => {
    const a = await openAccount(api(), 'EUR', '50.00');
    const b = await openAccount(api(), 'EUR');
    await pay(a.id, b.id, '20.00');

    // A date in the future is well formed, refused by a rule no schema can say: 422.
    expect((await api().post('/internal/DailyAccountBalance', { date: addDays(today(), 1) })).status).toBe(422);
    const started = await api().post('/internal/DailyAccountBalance', { date: today() });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.value).toMatchObject({ date: today() });
    await api().temporal.workflow.getHandle(started.body.value.workflowId).result();

    const list = await api().get(`/internal/DailyAccountBalance?accountId=${a.id}&from=${today()}&to=${today()}`);
    expect(list.status).toBe(200);
    expect(list.body.value.items).toEqual([
      {
        accountId: a.id,
        date: today(),
        currency: 'EUR',
        openingBalance: '0.00',
        debits: '20.00',
        credits: '50.00',
        closingBalance: '30.00',
        held: '0.00',
      },
    ]);

    // The default is yesterday (no account of this fresh database existed then, so nothing to write).
    const byDefault = await api().post('/internal/DailyAccountBalance');
    expect(byDefault.status).toBe(202);
    expect(byDefault.body.value.date).toBe(addDays(today(), -1));

    // A snapshot that went wrong is fixed by the rebuild; the chain check sees nothing wrong after it.
    await api().sql`
      UPDATE daily_account_balances SET credits = credits + 100, closing_balance = closing_balance + 100, credits_posted = credits_posted + 100
      WHERE account_id = ${a.id} AND date = ${today()}::date`;
    const rebuilt = await api().post('/internal/DailyAccountBalance/recalculate', { from: addDays(today(), -1), to: today() });
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).toBe(202);
    await api().temporal.workflow.getHandle(rebuilt.body.value.workflowId).result();
    const again = await api().get(`/internal/DailyAccountBalance?accountId=${a.id}`);
    expect(again.body.value.items).toEqual(list.body.value.items);
    expect((await api().post('/internal/DailyAccountBalance/recalculate', { from: today(), to: addDays(today(), -1) })).status).toBe(422);

    // Every snapshot of today: opening + credits - debits = closing; pages chain by cursor.
    const page = await api().get(`/internal/DailyAccountBalance?from=${today()}&limit=2`);
    expect(page.body.value.items).toHaveLength(2);
    const next = await api().get(`/internal/DailyAccountBalance?from=${today()}&limit=2&cursor=${page.body.value.nextCursor}`);
    expect(next.body.value.items[0].accountId > page.body.value.items[1].accountId).toBe(true);
  });

  it('calculates balances as of a moment from the latest snapshot plus the journal after it', async () => {
    const a = await openAccount(api(), 'EUR', '40.00');
    const b = await openAccount(api(), 'EUR');
    const [first] = await api().sql<[{ createdAt: Date }]>`SELECT created_at FROM journal_entries WHERE credit_account_id = ${a.id}`;
    await new Promise((r) => setTimeout(r, 20));
    await pay(a.id, b.id, '15.00');
    const asOf = { accountIds: [a.id], asOf: new Date(Date.now() + 1000).toISOString() };
    const fromJournal = await api().post('/internal/Accounts/calculateBalances', asOf);
    expect(fromJournal.body.value[0]).toMatchObject({ balance: '25.00', held: '0.00' });

    // A (deliberately wrong, by 1.00) snapshot between the two entries: the answer starts from it,
    // and adds only the journal after its cutoff.
    const cut = new Date(first.createdAt.getTime() + 10);
    await api().sql`
      INSERT INTO daily_account_balances (account_id, date, currency, opening_balance, debits, credits, closing_balance, held,
                                          debits_pending, debits_posted, credits_pending, credits_posted, as_of, computed_at)
      VALUES (${a.id}, '2000-01-01', 'EUR', 4100, 0, 0, 4100, 0, 0, 0, 0, 4100, ${cut}, ${cut}::timestamptz + interval '2 minutes')`;
    try {
      const fromSnapshot = await api().post('/internal/Accounts/calculateBalances', asOf);
      expect(fromSnapshot.body.value[0]).toMatchObject({ balance: '26.00' });
    } finally {
      await api().sql`DELETE FROM daily_account_balances WHERE account_id = ${a.id} AND date = '2000-01-01'`;
    }
  });
});

describe('consistency checks', () => {
  it('runs the daily check with every named check and lists its results', async () => {
    const started = await api().post('/internal/DailyCheck', { date: today() });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const { checkId, workflowId } = started.body.value;
    const listed = await api().get('/internal/DailyCheck?kind=daily&limit=500');
    expect(listed.body.value.items.map((r: any) => r.checkId)).toContain(checkId);

    const end = await outcome(workflowId);
    const details = await api().get(`/internal/DailyCheck/details?checkId=${checkId}`);
    expect(details.status).toBe(200);
    const run = details.body.value;
    expect(run).toMatchObject({ checkId, date: today(), workflowId });
    expect(run.checks.map((c: any) => c.name).sort()).toEqual([...ALL_CHECKS].sort());
    // The workflow ends failed exactly when a check failed (other suites may be mid-way through a repair).
    expect(run.status).toBe(end.ok ? 'passed' : 'failed');
    for (const name of ['currency_sums_zero', 'no_client_below_zero', 'holds_resolved_once', 'snapshots_chain']) {
      expect(
        run.checks.find((c: any) => c.name === name),
        JSON.stringify(run.checks),
      ).toMatchObject({ status: 'passed', offending: 0 });
    }
    expect((await api().get(`/internal/DailyCheck/details?checkId=${randomUUID()}`)).status).toBe(404);
    expect((await api().post('/internal/DailyCheck', { date: addDays(today(), 2) })).status).toBe(422);
  });

  it('tamper: a counter changed behind the ledger fails the balance check naming the account; recalculate repairs it', async () => {
    const t = await openAccount(api(), 'EUR', '10.00');
    let repaired = false;
    try {
      await api().sql`UPDATE accounts SET credits_posted = credits_posted + 500 WHERE id = ${t.id}`;
      const job = await api().post('/internal/BackgroundJob/AccountBalanceCheckJob');
      expect(job.status, JSON.stringify(job.body)).toBe(202);
      const failed = await outcome(job.body.value.workflowId);
      expect(failed.ok).toBe(false);

      const repair = await api().post('/v2/internal/Accounts/recalculate', { accountIds: [t.id] });
      repaired = true;
      expect(repair.body.value.differences.map((d: any) => d.accountId)).toEqual([t.id]);

      const details = (await api().get(`/internal/DailyCheck/details?checkId=${job.body.value.checkId}`)).body.value;
      expect(details).toMatchObject({ kind: 'account_balance', status: 'failed' });
      const counters = details.checks.find((c: any) => c.name === 'counters_match_journal');
      expect(counters.status).toBe('failed');
      expect(counters.rows.map((r: any) => r.accountId)).toContain(t.id);
      expect(counters.rows.find((r: any) => r.accountId === t.id)).toMatchObject({ creditsPosted: '1500', journalCreditsPosted: '1000' });
    } finally {
      if (!repaired) await api().post('/v2/internal/Accounts/recalculate', { accountIds: [t.id] });
    }

    const again = await api().post('/internal/BackgroundJob/AccountBalanceCheckJob');
    const passed = await outcome(again.body.value.workflowId);
    const details = (await api().get(`/internal/DailyCheck/details?checkId=${again.body.value.checkId}`)).body.value;
    expect(details.checks.find((c: any) => c.name === 'counters_match_journal').rows.map((r: any) => r.accountId)).not.toContain(t.id);
    expect(passed.ok, JSON.stringify(details.checks)).toBe(true);
    expect(details.status).toBe('passed');
    const listed = await api().get('/internal/DailyCheck?kind=account_balance');
    expect(listed.body.value.items.map((r: any) => r.checkId)).toEqual(expect.arrayContaining([again.body.value.checkId]));

    // The failure was counted where the activity ran: the worker's metrics endpoint.
    const metrics = await (await fetch(`http://127.0.0.1:${workerEnv.WORKER_METRICS_PORT}/metrics`)).text();
    expect(metrics).toMatch(/daily_check_failures_total\{check="counters_match_journal",kind="account_balance"\} [1-9]/);
  });
});

describe('reconciliation with the provider', () => {
  it('matches settled transfers by provider reference and reports each kind of break', async () => {
    const one = await completedTransfer('12.00');
    const two = await completedTransfer('7.00');
    const report = async (date = today()) => {
      const res = await api().get(`/internal/Reports/ReconciliationReport?date=${date}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const eur = res.body.value.currencies.find((c: any) => c.currency === 'EUR');
      return { eur, breaksOf: (ref: string) => (eur?.breaks ?? []).filter((b: any) => b.providerReference === ref) };
    };
    const clean = await report();
    expect(clean.breaksOf(one.providerReference)).toEqual([]);
    expect(clean.breaksOf(two.providerReference)).toEqual([]);

    const provider = api().sql;
    await provider`UPDATE sandbox_provider_payments SET amount = amount + 1 WHERE provider_reference = ${one.providerReference}`;
    try {
      expect((await report()).breaksOf(one.providerReference)).toEqual([
        { kind: 'amount_mismatch', providerReference: one.providerReference, ledgerAmount: '12.00', providerAmount: '12.01' },
      ]);
    } finally {
      await provider`UPDATE sandbox_provider_payments SET amount = amount - 1 WHERE provider_reference = ${one.providerReference}`;
    }

    const stranger = `SBX-TEST-${randomUUID()}`;
    const decidedAt = new Date(Date.now() - 5 * 60_000);
    await provider`
      INSERT INTO sandbox_provider_payments (transfer_id, provider_reference, reference, amount, currency, status, decide_at, created_at)
      VALUES (${randomUUID()}, ${stranger}, 'injected', 999, 'EUR', 'accepted', ${decidedAt}, ${decidedAt})`;
    try {
      expect((await report(utcDate(decidedAt))).breaksOf(stranger)).toEqual([
        { kind: 'missing_in_ledger', providerReference: stranger, ledgerAmount: null, providerAmount: '9.99' },
      ]);
    } finally {
      await provider`DELETE FROM sandbox_provider_payments WHERE provider_reference = ${stranger}`;
    }

    const renamed = `SBX-RENAMED-${randomUUID()}`;
    await provider`UPDATE sandbox_provider_payments SET provider_reference = ${renamed} WHERE provider_reference = ${one.providerReference}`;
    try {
      expect((await report()).breaksOf(one.providerReference)).toMatchObject([
        { kind: 'missing_at_provider', ledgerAmount: '12.00', providerAmount: null },
      ]);
    } finally {
      await provider`UPDATE sandbox_provider_payments SET provider_reference = ${one.providerReference} WHERE provider_reference = ${renamed}`;
    }

    await api().sql`UPDATE transfers SET provider_reference = ${one.providerReference} WHERE id = ${two.id}`;
    try {
      expect((await report()).breaksOf(one.providerReference)).toMatchObject([
        { kind: 'duplicate', ledgerAmount: '19.00', providerAmount: '12.00' },
      ]);
    } finally {
      await api().sql`UPDATE transfers SET provider_reference = ${two.providerReference} WHERE id = ${two.id}`;
    }
    expect((await report()).breaksOf(one.providerReference)).toEqual([]);
    expect((await api().get(`/internal/Reports/ReconciliationReport?date=${addDays(today(), 1)}`)).status).toBe(422);
  });
});

describe('treasury and provider currencies', () => {
  it('sums every currency to zero', async () => {
    await openAccount(api(), 'EUR', '3.00');
    const res = await api().get('/internal/TreasuryManagement/summary');
    expect(res.status).toBe(200);
    const eur = res.body.value.items.find((i: any) => i.currency === 'EUR');
    expect(Number(eur.clientFunds)).toBeGreaterThanOrEqual(3);
    // Amounts carry every decimal of their currency, so dropping the point gives minor units.
    const minor = (amount: string) => BigInt(amount.replace('.', ''));
    for (const item of res.body.value.items) {
      expect(Number(item.total), item.currency).toBe(0);
      // Every balance belongs to exactly one part: client funds or one internal purpose.
      const parts = [item.clientFunds, item.settlement, item.suspense, item.fxPosition, item.feeIncome, item.externalClearing];
      expect(
        parts.map(minor).reduce((sum, part) => sum + part, 0n),
        item.currency,
      ).toBe(minor(item.total));
    }
    expect(eur.total).toBe('0.00');
  });

  it('lists the provider currencies for client, system and ops tokens', async () => {
    const c = await openAccount(api(), 'EUR');
    for (const bearer of [await token('client', c.clientId), api().tokens.system, api().tokens.ops]) {
      const res = await api().get('/BaasProvider/available-currencies', { token: bearer });
      expect(res.status).toBe(200);
      expect(res.body.value.items).toContainEqual({ currency: 'EUR', minorUnits: 2 });
    }
    expect((await api().get('/BaasProvider/available-currencies', { token: null })).status).toBe(401);
  });
});

describe('schedules', () => {
  it('the worker keeps daily-account-balance and daily-check; triggering them runs each once', async () => {
    for (const id of [DAILY_BALANCE_SCHEDULE_ID, DAILY_CHECK_SCHEDULE_ID]) {
      const handle = api().temporal.schedule.getHandle(id);
      const described = await handle.describe();
      expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 0 }] });
      const before = described.info.recentActions.length;
      await handle.trigger();
      await expect.poll(async () => (await handle.describe()).info.recentActions.length, { timeout: 20_000 }).toBeGreaterThan(before);
      const run = (await handle.describe()).info.recentActions.at(-1)?.action;
      const end = await outcome(run?.workflow.workflowId ?? '');
      if (id === DAILY_BALANCE_SCHEDULE_ID) {
        expect(end).toMatchObject({ ok: true, result: { from: addDays(today(), -1), to: addDays(today(), -1) } });
      } else {
        const runs = (await api().get('/internal/DailyCheck?kind=daily&limit=500')).body.value.items;
        const scheduled = runs.find((r: any) => r.workflowId === run?.workflow.workflowId);
        expect(scheduled).toMatchObject({ date: addDays(today(), -1), status: end.ok ? 'passed' : 'failed' });
      }
    }
  });
});

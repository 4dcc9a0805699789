import { fxKeys } from '../../activities/fx';
import { entryIdFor } from '../../activities/payments';
import { convert } from '../../domain/fx';
import { derivedId, transferWorkflowId } from '../../domain/ids';
import { formatAmount } from '../../domain/money';
import type { Sql } from '../../ledger/db';
import { FX_QUOTE_TTL_MS } from './cluster';
import { customerToken, lastCode, type TransferContext, wrongCode } from './transfers';
import { describeRequest, type Exchange, errorCode, type RequestRecord, toldSo } from './workload';

/**
 * FX transfers in the fault workload: each workload client has a bank client of its own with a
 * funded EUR and a funded USD account, and exchanges one way or the other at a locked quote, by
 * sell or by buy amount; then confirms with the code the local notifier kept (sometimes just as
 * the quote expires), cancels, does both at once, sends a wrong code first, or leaves the quote
 * to expire (FX_QUOTE_TTL_MS is short in the cluster). Like transfers.ts, one exchange at a time
 * per bank client, so the newest message the notifier kept for it carries the code of its current
 * exchange.
 */

/** A bank client of the FX workload: its own token, and an account in each currency. */
export interface FxCustomer {
  clientId: string;
  bearer: string;
  accounts: Record<FxCurrency, string>;
}

const CURRENCIES = ['EUR', 'USD'] as const;
type FxCurrency = (typeof CURRENCIES)[number];
const FX_FINAL = ['Completed', 'Cancelled', 'Expired'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An exchange left to expire, with its code: the end of the run confirms it late (422 QUOTE_EXPIRED). */
export interface LeftToExpire {
  id: string;
  code: string;
  customer: FxCustomer;
}

/**
 * Setup, before any fault: a bank client with an EUR and a USD account, each funded from the
 * settlement account of its currency (as main.ts funds its accounts).
 */
export async function openFxCustomer(ctx: TransferContext, i: number, funding: string): Promise<FxCustomer> {
  const client = await ctx.send('setup', 'POST', '/internal/Clients', {
    type: 'individual',
    firstName: 'X',
    lastName: `${i}`,
    email: `x${i}@example.com`,
    country: 'DE',
  });
  const clientId = client?.body.value.id as string;
  const accounts = {} as Record<FxCurrency, string>;
  for (const currency of CURRENCIES) {
    const account = await ctx.send('setup', 'POST', '/v2/internal/Accounts', { clientId, currency, purpose: 'current', name: currency });
    const settlement = (
      await ctx.send('setup', 'POST', '/v2/ledger/internal/Accounts/search', { kind: 'internal', currency, purpose: 'settlement' })
    )?.body.value.items[0].id;
    await ctx.send('setup', 'POST', '/internal/Payments', {
      debitAccountId: settlement,
      creditAccountId: account?.body.value.id,
      amount: funding,
      currency,
    });
    accounts[currency] = account?.body.value.id as string;
  }
  return { clientId, bearer: await customerToken(clientId), accounts };
}

/**
 * One exchange from its quote to its end as a client drives it: create, read the code, then one
 * of confirm; confirm at the last moment; cancel; confirm and cancel together (sometimes a second confirm); a wrong code then
 * the right one; or nothing (the quote expires by its timer; the end of the run confirms it late).
 */
export async function fxScenario(ctx: TransferContext, me: FxCustomer, leftToExpire: LeftToExpire[]): Promise<void> {
  const as = { bearer: me.bearer, clientId: me.clientId };
  const [sell, buy] = Math.random() < 0.5 ? (['EUR', 'USD'] as const) : (['USD', 'EUR'] as const);
  const amount = (1 + Math.random() * 40).toFixed(2);
  const given = Math.random() < 0.6 ? { sellAmount: amount } : { buyAmount: amount };
  const created = await ctx.send(
    'fx',
    'POST',
    '/Transfers/fx',
    { sourceAccountId: me.accounts[sell], targetAccountId: me.accounts[buy], ...given },
    as,
  );
  const id: string | undefined = created?.status === 201 ? created.body.value.id : undefined;
  if (!id) return;
  const code = await lastCode(ctx, me.clientId);
  if (!code) return; // the checker finds an exchange that ended without a reason
  const confirm = (c: string) => ctx.send('fx-confirm', 'PUT', `/Transfers/fx/${id}/confirm`, { code: c }, as);
  const cancel = () => ctx.send('fx-cancel', 'DELETE', `/Transfers/fx/${id}`, undefined, as);

  const dice = Math.random();
  if (dice < 0.42) {
    await confirm(code);
  } else if (dice < 0.47) {
    // At the edge of the quote: the confirm races the workflow's expiry timer (Completed or QUOTE_EXPIRED, never both).
    const expiresAt = Date.parse(created?.body.value.quoteExpiresAt);
    await sleep(Math.max(0, expiresAt - Date.now() - Math.random() * 300));
    await confirm(code);
  } else if (dice < 0.57) {
    await cancel();
  } else if (dice < 0.77) {
    // Confirm and cancel at once (two devices of one client), sometimes a confirm twice.
    const actions = [confirm(code), sleep(Math.random() * 20).then(cancel)];
    if (Math.random() < 0.3) actions.push(sleep(Math.random() * 20).then(() => confirm(code)));
    await Promise.all(actions);
  } else if (dice < 0.87) {
    const wrong = await ctx.send('fx-confirm-wrong', 'PUT', `/Transfers/fx/${id}/confirm`, { code: wrongCode(code) }, as);
    if (wrong?.status === 422 && errorCode(wrong) === 'OTP_INVALID') await confirm(code);
  } else {
    leftToExpire.push({ id, code, customer: me });
  }
}

/** FX transfers of the run as the read model has them. */
interface FxRow {
  id: string;
  clientId: string;
  status: string;
  accountId: string;
  targetAccountId: string;
  sellAmount: bigint;
  sellCurrency: string;
  buyAmount: bigint;
  buyCurrency: string;
  rate: string;
  quoteExpiresAt: Date;
  confirmationId: string | null;
}

const fxTransfers = (sql: Sql) =>
  sql<FxRow[]>`
    SELECT id, client_id, status, account_id, target_account_id, sell_amount, sell_currency, buy_amount, buy_currency, rate,
           quote_expires_at, confirmation_id
    FROM transfers WHERE direction = 'fx' ORDER BY seq`;

/**
 * The end of the run: waits until every quote still open has expired by its timer (nobody acts
 * on them any more), then confirms the exchanges left to expire with their own, right code: each
 * must be refused as QUOTE_EXPIRED, the checker sees the answers. Returns how many it confirmed late.
 */
export async function finishFx(
  sql: Sql,
  ctx: TransferContext,
  leftToExpire: LeftToExpire[],
  log: (line: string) => void,
): Promise<{ lateConfirms: number; unfinished: number }> {
  // Timers fire at quoteExpiresAt; a fault just before the end delays them by its recovery.
  const deadline = Date.now() + FX_QUOTE_TTL_MS + 90_000;
  let open = (await fxTransfers(sql)).filter((t) => !FX_FINAL.includes(t.status));
  while (open.length > 0 && Date.now() < deadline) {
    log(`FX transfers not final yet: ${open.length} (${[...new Set(open.map((t) => t.status))].join(', ')})`);
    await sleep(3_000);
    open = (await fxTransfers(sql)).filter((t) => !FX_FINAL.includes(t.status));
  }
  const late = leftToExpire.slice(0, 20);
  for (const { id, code, customer } of late) {
    await ctx.send(
      'end-fx-confirm-late',
      'PUT',
      `/Transfers/fx/${id}/confirm`,
      { code },
      { bearer: customer.bearer, clientId: customer.clientId },
    );
  }
  return { lateConfirms: late.length, unfinished: open.length };
}

interface EntryLite {
  id: string;
  kind: string;
  amount: bigint;
  currency: string;
  pendingId: string | null;
  debitAccountId: string;
  creditAccountId: string;
  createdAt: Date;
}

/** An entry the ledger must hold for a transfer; fields left out are not compared. */
type Expected = Pick<EntryLite, 'id' | 'kind'> & Partial<Omit<EntryLite, 'id' | 'kind' | 'createdAt'>>;

/** The entries of a transfer are exactly the expected ones, each once (a repeat would be a second id or a second resolution). */
function entriesProblem(entries: EntryLite[], expected: Expected[]): string | undefined {
  const shown = () => `[${entries.map((e) => `${e.kind} ${e.amount} ${e.currency}`).join(', ')}]`;
  if (entries.length !== expected.length) return `${entries.length} entries instead of ${expected.length}: ${shown()}`;
  for (const want of expected) {
    const got = entries.find((e) => e.id === want.id);
    if (!got) return `no ${want.kind} entry under its derived id: ${shown()}`;
    for (const [field, value] of Object.entries(want) as [keyof Expected, unknown][]) {
      if (got[field] !== value) return `its ${want.kind} entry has ${field} ${String(got[field])}, not ${String(value)}`;
    }
  }
  return undefined;
}

/**
 * The entries an FX transfer's status calls for: the hold of the sell amount (source account to the
 * sell currency's fx_position) always; Completed: the hold posted and the buy amount from the buy
 * currency's fx_position to the target account; Cancelled or Expired: the hold voided, nothing posted.
 */
function expectedFxEntries(t: FxRow, position: Record<string, string>): Expected[] {
  const keys = fxKeys(transferWorkflowId(t.id));
  const hold = entryIdFor(keys.holdSell);
  const held: Expected = {
    id: hold,
    kind: 'pending',
    debitAccountId: t.accountId,
    creditAccountId: position[t.sellCurrency],
    amount: t.sellAmount,
    currency: t.sellCurrency,
  };
  if (t.status !== 'Completed') return [held, { id: entryIdFor(keys.releaseSell), kind: 'void_pending', pendingId: hold }];
  return [
    held,
    { id: entryIdFor(keys.settleSell), kind: 'post_pending', pendingId: hold, amount: t.sellAmount },
    {
      id: entryIdFor(keys.creditBuy),
      kind: 'posted',
      debitAccountId: position[t.buyCurrency],
      creditAccountId: t.targetAccountId,
      amount: t.buyAmount,
      currency: t.buyCurrency,
    },
  ];
}

/** The locked amounts are what the locked rate gives for the amount the client named (either side). */
function quoteAgrees(t: FxRow): boolean {
  const fromSell = convert(t.rate, t.sellCurrency, t.buyCurrency, { sellMinor: t.sellAmount });
  const fromBuy = convert(t.rate, t.sellCurrency, t.buyCurrency, { buyMinor: t.buyAmount });
  return fromSell.buyMinor === t.buyAmount || fromBuy.sellMinor === t.sellAmount;
}

/** The id an FX request of the history acts on (`/Transfers/fx/{id}...`). */
const fxIdOf = (r: RequestRecord) => r.path.split('/')[3] ?? '';
const FX_ACTIONS = ['fx-confirm', 'fx-confirm-wrong', 'fx-cancel', 'end-fx-confirm-late'];

/**
 * Why the transfer reached its status, from the client's side: Completed needs a verified code
 * and a confirm the client sent and was told succeeded; Cancelled a cancel the client sent and was
 * told succeeded, or a code locked by wrong attempts (nobody here blocks accounts, the other way
 * to it); Expired a release no earlier than quoteExpiresAt.
 */
async function causeProblem(sql: Sql, t: FxRow, entries: EntryLite[], requests: RequestRecord[]): Promise<string | undefined> {
  if (t.status === 'Completed') {
    const [confirmation] = await sql<{ status: string }[]>`SELECT status FROM confirmations WHERE id = ${t.confirmationId ?? ''}`;
    if (confirmation?.status !== 'verified') return `Completed without a verified code (confirmation ${confirmation?.status})`;
    const confirms = requests.filter((r) => r.op === 'fx-confirm' || r.op === 'end-fx-confirm-late');
    if (confirms.length === 0) return 'Completed though the client never sent its code';
    // The confirm that did it must have been told so: a refusal means nothing happened.
    if (!toldSo(confirms)) return `Completed, yet every confirm was refused: ${confirms.map(describeRequest).join('; ')}`;
  }
  const cancels = requests.filter((r) => r.op === 'fx-cancel');
  if (t.status === 'Cancelled' && cancels.length === 0) {
    // The other way there: a wrong code retried (its answers lost) until the code locked for good.
    const [confirmation] = await sql<
      { attemptsLeft: number }[]
    >`SELECT attempts_left FROM confirmations WHERE id = ${t.confirmationId ?? ''}`;
    if (confirmation?.attemptsLeft !== 0) return 'Cancelled though the client never cancelled and its code is not locked';
  }
  if (t.status === 'Cancelled' && cancels.length > 0 && !toldSo(cancels)) {
    return `Cancelled, yet every cancel was refused: ${cancels.map(describeRequest).join('; ')}`;
  }
  if (t.status === 'Expired') {
    // Workflow time and the API's clock are the same machine's: a second covers rounding.
    const released = entries.find((e) => e.kind === 'void_pending')?.createdAt;
    if (released && released.getTime() < t.quoteExpiresAt.getTime() - 1_000) {
      return `Expired at ${released.toISOString()}, before its quote expired at ${t.quoteExpiresAt.toISOString()}`;
    }
  }
  return undefined;
}

/**
 * The fx_position accounts are touched by FX transfers only: in each currency they hold exactly
 * the completed exchanges (credited with what was sold in it, debited with what was bought in
 * it) and nothing pending once every quote has ended.
 */
async function checkPositions(sql: Sql, transfers: FxRow[], position: Record<string, string>, violations: string[]) {
  const rows = await sql<
    { id: string; currency: string; debitsPending: bigint; debitsPosted: bigint; creditsPending: bigint; creditsPosted: bigint }[]
  >`
    SELECT id, currency, debits_pending, debits_posted, credits_pending, credits_posted FROM accounts
    WHERE kind = 'internal' AND purpose = 'fx_position' AND id = ANY(${Object.values(position)}::uuid[])`;
  for (const a of rows) {
    const completed = transfers.filter((t) => t.status === 'Completed');
    const sold = completed.filter((t) => t.sellCurrency === a.currency).reduce((s, t) => s + t.sellAmount, 0n);
    const bought = completed.filter((t) => t.buyCurrency === a.currency).reduce((s, t) => s + t.buyAmount, 0n);
    if (a.creditsPosted !== sold || a.debitsPosted !== bought || a.creditsPending !== 0n || a.debitsPending !== 0n) {
      violations.push(
        `fx_position ${a.currency}: credits ${a.creditsPosted} posted/${a.creditsPending} pending, debits ${a.debitsPosted}/${a.debitsPending}; ` +
          `the completed exchanges sold ${sold} and bought ${bought}`,
      );
    }
  }
}

/**
 * Every FX transfer's final status agrees with the ledger, and every answer a client saw about FX
 * names something that happened:
 * - Completed: the hold posted and the buy leg credited, each exactly once, through fx_position;
 *   Cancelled or Expired: the hold voided and no leg posted; nothing stays PendingConfirmation;
 * - the locked amounts agree with the locked rate; the fx_position accounts hold the completed ones;
 * - a 201 created the exchange it names with the amounts it shows; a refused create left no trace;
 * - a 200 confirm means Completed, a 200 cancel Cancelled; a QUOTE_EXPIRED means Expired; a 422
 *   naming a final status as the one that won means the transfer ended there; a wrong code never 200.
 */
export async function checkFx(
  sql: Sql,
  history: RequestRecord[],
  violations: string[],
  describeWorkflow: (workflowId: string) => Promise<string>,
): Promise<Record<string, number>> {
  const transfers = await fxTransfers(sql);
  const byId = new Map(transfers.map((t) => [t.id, t]));
  const finals: Record<string, number> = {};
  const position: Record<string, string> = {};
  for (const currency of CURRENCIES) {
    const [a] = await sql<
      { id: string }[]
    >`SELECT id FROM accounts WHERE kind = 'internal' AND purpose = 'fx_position' AND currency = ${currency}`;
    position[currency] = a?.id ?? '';
  }
  const requestsFor = new Map<string, RequestRecord[]>();
  for (const r of history.filter((h) => FX_ACTIONS.includes(h.op))) {
    requestsFor.set(fxIdOf(r), [...(requestsFor.get(fxIdOf(r)) ?? []), r]);
  }

  for (const t of transfers) {
    const label = `fx ${t.id} (${t.sellCurrency}->${t.buyCurrency} ${t.sellAmount}/${t.buyAmount}, ${t.status})`;
    finals[t.status] = (finals[t.status] ?? 0) + 1;
    if (!FX_FINAL.includes(t.status)) {
      violations.push(`${label}: never reached a final status; its workflow: ${await describeWorkflow(transferWorkflowId(t.id))}`);
      continue;
    }
    const entries = await sql<EntryLite[]>`
      SELECT id, kind, amount, currency, pending_id, debit_account_id, credit_account_id, created_at
      FROM journal_entries WHERE transfer_id = ${t.id} ORDER BY seq`;
    const ledger = entriesProblem(entries, expectedFxEntries(t, position));
    if (ledger) violations.push(`${label}: ${ledger}`);
    if (!quoteAgrees(t)) violations.push(`${label}: the amounts do not follow from the locked rate ${t.rate}`);
    const cause = await causeProblem(sql, t, entries, requestsFor.get(t.id) ?? []);
    if (cause) violations.push(`${label}: ${cause}`);
  }
  await checkPositions(sql, transfers, position, violations);

  for (const r of history) {
    if (!r.final) continue;
    if (r.op === 'fx') await checkCreateAnswer(sql, r, r.final, byId, violations);
    if (FX_ACTIONS.includes(r.op)) checkActionAnswer(r, r.final, byId.get(fxIdOf(r)), violations);
  }
  return finals;
}

/**
 * A 201 names the exchange derived from its key, waiting for its code (or already in the status it
 * ended in), with the ledger's amounts; any other answer left nothing.
 */
async function checkCreateAnswer(sql: Sql, r: RequestRecord, final: Exchange, byId: Map<string, FxRow>, violations: string[]) {
  const derived = derivedId('fx', 'client', r.clientId ?? '', r.key);
  const t = byId.get(derived);
  if (final.status === 201) {
    const v = final.body?.value;
    const shows = (row: FxRow) =>
      v?.sellAmount === formatAmount(row.sellAmount, row.sellCurrency) && v?.buyAmount === formatAmount(row.buyAmount, row.buyCurrency);
    // A retry whose first answer was lost past quoteExpiresAt finds the exchange already Expired: it answers what it found.
    const status = v?.status === 'PendingConfirmation' || v?.status === t?.status;
    if (v?.id !== derived || !status || !t || !shows(t)) {
      violations.push(
        `fx ${derived}: answered 201 ${v?.status} ${v?.sellAmount}/${v?.buyAmount}, the ledger has ${t?.status ?? 'nothing'}`,
      );
    }
    return;
  }
  const entries = await sql`SELECT 1 FROM journal_entries WHERE transfer_id = ${derived}`;
  if (t || entries.length > 0) {
    violations.push(
      `fx ${derived}: answered ${final.status} ${errorCode(final)} but left a ${t?.status} transfer and ${entries.length} entries`,
    );
  }
}

/** What a confirm or cancel answer says about the end of the exchange. */
function checkActionAnswer(r: RequestRecord, final: Exchange, t: FxRow | undefined, violations: string[]) {
  const id = fxIdOf(r);
  const ended = t?.status;
  const answered = final.body?.value?.status;
  const code = errorCode(final);
  const from = final.body?.errors?.[0]?.metadata?.from;
  if (final.status === 200) {
    if (r.op === 'fx-confirm-wrong') violations.push(`fx confirm ${id}: a wrong code was answered 200 ${answered}`);
    const wanted = r.op === 'fx-cancel' ? 'Cancelled' : 'Completed';
    if (answered !== wanted || ended !== wanted) violations.push(`fx ${r.op} ${id}: answered 200 ${answered}, the exchange ended ${ended}`);
  }
  if (code === 'QUOTE_EXPIRED' && ended !== 'Expired')
    violations.push(`fx ${r.op} ${id}: answered QUOTE_EXPIRED, the exchange ended ${ended}`);
  // Every status but PendingConfirmation is final: the one that won the race is the one it ended in.
  if (final.status === 422 && code === 'INVALID_STATE_TRANSITION' && FX_FINAL.includes(from) && ended !== from) {
    violations.push(`fx ${r.op} ${id}: refused as ${from} already, the exchange ended ${ended}`);
  }
  if (r.op === 'end-fx-confirm-late' && code !== 'QUOTE_EXPIRED') {
    violations.push(`fx late confirm ${id}: an exchange left to expire was answered ${final.status} ${code ?? answered}`);
  }
}

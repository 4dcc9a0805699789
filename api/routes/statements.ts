import { createRoute, z } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money';
import type { StatementHeader, StatementLine } from '../../usecases/statements';
import { success } from '../envelope';
import { businessRules } from '../errors';
import { failures, newRouter, type RouteDeps, responses, security } from '../router';
import { AmountOut, Timestamp, Uuid } from '../schemas';
import { DateIn, SignedAmountOut } from '../schemas/operations';

const CounterpartySchema = z
  .object({
    name: z.string().nullable(),
    iban: z.string().optional(),
    accountNumber: z.string().optional().openapi({ description: 'When the party has no IBAN' }),
  })
  .openapi('StatementCounterparty');

const StatementSchema = z
  .object({
    accountId: Uuid,
    currency: z.string(),
    from: z.string(),
    to: z.string(),
    openingBalance: SignedAmountOut,
    closingBalance: SignedAmountOut,
    totalDebits: AmountOut,
    totalCredits: AmountOut,
    held: AmountOut.openapi({ description: 'Funds held (pending debits) as of the end of the period, or now if it has not ended' }),
    available: SignedAmountOut.openapi({ description: 'balance - held + overdraft limit, as of the same moment' }),
    entries: z.array(
      z.object({
        id: Uuid,
        createdAt: Timestamp,
        type: z.enum(['posted', 'post_pending']),
        description: z.string().openapi({
          description:
            'What happened, in words: the transfer and its party, a fee and what for, an exchange and its rate, a reversal or return and what it reverses',
        }),
        counterparty: CounterpartySchema.nullable().openapi({
          description: "The other party as the holder knows it; null for the bank's own side (a fee, money the bank books)",
        }),
        reference: z.string().nullable(),
        rate: z.string().nullable().openapi({ description: 'Exchange lines: units of the buy currency per one unit of the sell currency' }),
        debit: AmountOut,
        credit: AmountOut,
        balance: SignedAmountOut.openapi({ description: 'running balance after the entry' }),
        counterpartyAccountId: Uuid.openapi({ description: 'The ledger account on the other side of the entry (may be an internal one)' }),
        paymentId: Uuid.nullable(),
        transferId: Uuid.nullable(),
      }),
    ),
  })
  .openapi('Statement');

const CSV_HEADER = 'date,id,type,description,counterparty,counterpartyAccount,reference,debit,credit,balance';

/** The same 200 response, also as text/csv. */
function withCsv<R extends { 200: { description: string; content: object } }>(r: R) {
  return { ...r, 200: { ...r[200], content: { ...r[200].content, 'text/csv': { schema: z.string() } } } };
}

const statementRoute = createRoute({
  method: 'get',
  path: '/internal/Transactions/report',
  tags: ['Transactions'],
  summary: 'Account statement: posted money over UTC days (inclusive), oldest first, with a running balance',
  description:
    `With \`Accept: text/csv\` the entries stream as CSV (\`${CSV_HEADER}\`) with no size limit; as JSON a statement holds ` +
    'at most 10000 entries (more is a 400 asking for CSV or a shorter period).',
  security,
  request: { query: z.object({ accountId: Uuid, from: DateIn, to: DateIn }) },
  responses: withCsv(responses(200, StatementSchema, 'The statement (JSON), or its entries as CSV', [404, 422])),
});

/**
 * The same statement as CSV only, on a route of its own: a generated client picks one media type
 * per response (JSON), so through the Accept variant above it could never ask for the CSV.
 */
const statementCsvRoute = createRoute({
  method: 'get',
  path: '/internal/Transactions/report.csv',
  tags: ['Transactions'],
  summary: 'Account statement as CSV: the entries of the statement, streamed with no size limit',
  description: `The columns: \`${CSV_HEADER}\`, one line per entry, oldest first; amounts as decimal strings.`,
  security,
  request: { query: z.object({ accountId: Uuid, from: DateIn, to: DateIn }) },
  responses: {
    ...failures([404, 422]),
    200: { description: 'The entries as CSV (an attachment)', content: { 'text/csv': { schema: z.string() } } },
  },
});

const money = (h: StatementHeader) => (minor: bigint) => formatAmount(minor, h.currency);

function lineView(h: StatementHeader, l: StatementLine) {
  const m = money(h);
  return {
    id: l.entry.id,
    createdAt: l.entry.createdAt.toISOString(),
    type: l.entry.kind as 'posted' | 'post_pending',
    description: l.story.description,
    counterparty: l.story.counterparty,
    reference: l.story.reference,
    rate: l.story.rate,
    debit: m(l.debit),
    credit: m(l.credit),
    balance: m(l.balance),
    counterpartyAccountId: l.counterpartyAccountId,
    paymentId: l.entry.paymentId,
    transferId: l.entry.transferId,
  };
}

/** A CSV field: quoted when it holds a separator, quote or line break; text a spreadsheet would run as a formula is defused. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(h: StatementHeader, l: StatementLine): string {
  const m = money(h);
  const e = l.entry;
  const party = l.story.counterparty;
  return `${[
    e.createdAt.toISOString(),
    e.id,
    e.kind,
    csvField(l.story.description),
    csvField(party?.name ?? ''),
    csvField(party?.iban ?? party?.accountNumber ?? ''),
    csvField(l.story.reference ?? ''),
    m(l.debit),
    m(l.credit),
    m(l.balance),
  ].join(',')}\r\n`;
}

/** Streams the lines as CSV; a client that goes away stops the cursor. */
function csvStream(h: StatementHeader, lines: AsyncGenerator<StatementLine>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${CSV_HEADER}\r\n`));
      }
      // Up to a few hundred lines per chunk: fewer, larger writes.
      let chunk = '';
      for (let i = 0; i < 500; i++) {
        const next = await lines.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += csvLine(h, next.value);
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

export function statementRoutes({ useCases }: RouteDeps) {
  const router = newRouter();
  const statements = useCases.statements;

  const csvResponse = async (accountId: string, from: string, to: string) => {
    const { header, lines } = await businessRules(() => statements.statementStream(accountId, from, to));
    return new Response(csvStream(header, lines), {
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="statement-${accountId}-${from}-${to}.csv"`,
      },
    }) as never;
  };

  router.openapi(statementCsvRoute, async (c) => {
    const { accountId, from, to } = c.req.valid('query');
    return csvResponse(accountId, from, to);
  });

  router.openapi(statementRoute, async (c) => {
    const { accountId, from, to } = c.req.valid('query');
    if (/text\/csv/i.test(c.req.header('accept') ?? '')) return csvResponse(accountId, from, to);
    const s = await businessRules(() => statements.statement(accountId, from, to));
    const m = money(s);
    return c.json(
      success({
        accountId: s.accountId,
        currency: s.currency,
        from: s.from,
        to: s.to,
        openingBalance: m(s.openingBalance),
        closingBalance: m(s.closingBalance),
        totalDebits: m(s.totalDebits),
        totalCredits: m(s.totalCredits),
        held: m(s.held),
        available: m(s.available),
        entries: s.entries.map((l) => lineView(s, l)),
      }),
      200,
    );
  });

  return router;
}

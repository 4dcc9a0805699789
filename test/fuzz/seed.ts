import { randomUUID } from 'node:crypto';
import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';

/**
 * Real data for the fuzzer to find: a funded client with accounts, a recipient, a pending
 * outgoing transfer, a payment in each state, an incoming transfer, all created over HTTP with the
 * API's own routes. Their ids go into the dictionaries, so generated requests reach past the 404s.
 */
export interface Seed {
  clientId: string;
  clientToken: string;
  accountIds: string[];
  accountNumbers: string[];
  ibans: string[];
  recipientIds: string[];
  transferIds: string[];
  confirmationIds: string[];
  paymentIds: string[];
  transactionIds: string[];
  cursors: string[];
  /** Seed steps that failed (not answered in time, or an unexpected status): findings in themselves. */
  problems: string[];
}

type Envelope = { value: any };

const SEED_TIMEOUT_MS = 30_000;

export async function seed(apiUrl: string, systemToken: string, log: (line: string) => void): Promise<Seed> {
  const call = async (method: string, path: string, token: string, body?: unknown, expect = [200, 201, 202]): Promise<Envelope> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(SEED_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new Error(
        `seed: ${method} ${path} got no answer within ${SEED_TIMEOUT_MS / 1000} s (${error instanceof Error ? error.message : error})`,
      );
    });
    const text = await response.text();
    if (!expect.includes(response.status)) throw new Error(`seed: ${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as Envelope;
  };
  const system = (method: string, path: string, body?: unknown) => call(method, path, systemToken, body);
  const problems: string[] = [];
  /** A step the fuzzing can do without: its failure is recorded, and seeding goes on. */
  const optional = async <T>(step: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      const message = `seed step "${step}" failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      log(message);
      problems.push(message);
      return undefined;
    }
  };

  const client = (
    await system('POST', '/internal/Clients', {
      type: 'individual',
      firstName: 'Fuzz',
      lastName: 'Client',
      email: `fuzz-${randomUUID()}@example.com`,
      country: 'DE',
    })
  ).value;
  const clientToken = await issueToken(LOCAL_JWT_SECRET, { role: 'client', sub: client.id });
  const accounts: any[] = [];
  for (const currency of ['EUR', 'USD']) {
    accounts.push(
      (await system('POST', '/v2/internal/Accounts', { clientId: client.id, currency, purpose: 'current', name: `Fuzz ${currency}` }))
        .value,
    );
  }
  const settlement = (
    await system('POST', '/v2/ledger/internal/Accounts/search', { kind: 'internal', currency: 'EUR', purpose: 'settlement' })
  ).value.items[0];
  const payments: any[] = [];
  payments.push(
    (
      await system('POST', '/internal/Payments', {
        debitAccountId: settlement.id,
        creditAccountId: accounts[0].id,
        amount: '1000000.00',
        currency: 'EUR',
        description: 'fuzz funding',
      })
    ).value,
  );
  await optional('draft payment', async () => {
    const value = (
      await system('POST', '/internal/Payments/draft', {
        debitAccountId: accounts[0].id,
        creditAccountId: settlement.id,
        amount: '1.00',
        currency: 'EUR',
        description: 'fuzz draft',
      })
    ).value;
    payments.push(value);
  });
  await optional('pending payment', async () => {
    const pending = (
      await system('POST', '/internal/Payments/draft', {
        debitAccountId: accounts[0].id,
        creditAccountId: settlement.id,
        amount: '2.00',
        currency: 'EUR',
      })
    ).value;
    payments.push(pending);
    await system('POST', `/internal/Payments/${pending.id}/pend`, {});
  });

  const asClient = (method: string, path: string, body?: unknown) => call(method, path, clientToken, body);
  const recipient = await optional(
    'recipient',
    async () =>
      (await asClient('POST', '/Recipients', { name: 'Fuzz Recipient', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' }))
        .value,
  );
  const transfer = await optional(
    'outgoing transfer',
    async () =>
      (
        await asClient('POST', '/Transfers/outgoing', {
          accountId: accounts[0].id,
          amount: '1.00',
          currency: 'EUR',
          ...(recipient
            ? { recipientId: recipient.id }
            : { recipient: { name: 'X', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' } }),
        })
      ).value,
  );
  const incoming = await optional(
    'incoming transfer',
    async () =>
      (
        await system('POST', '/internal/IncomingRequests', {
          providerReference: `fuzz-${randomUUID()}`,
          amount: '3.00',
          currency: 'EUR',
          senderName: 'Fuzz Sender',
          ...(accounts[0].iban ? { receiverIban: accounts[0].iban } : { receiverAccountNumber: accounts[0].accountNumber }),
        })
      ).value,
  );

  const transactions = (await optional(
    'transactions',
    async () => (await system('GET', `/internal/Transactions?accountId=${accounts[0].id}&limit=1`)).value,
  )) ?? {
    items: [],
  };
  const clientsPage = await optional('clients page', async () => (await system('GET', '/internal/Clients?limit=1')).value);
  const cursors = [transactions.nextCursor, clientsPage?.nextCursor].filter((c): c is string => typeof c === 'string');
  log(
    `seeded client ${client.id}: accounts ${accounts.map((a) => a.id).join(', ')}, transfer ${transfer?.id ?? '-'}, incoming ${incoming?.id ?? '-'}`,
  );
  return {
    clientId: client.id,
    clientToken,
    accountIds: [...accounts.map((a) => a.id), settlement.id],
    accountNumbers: accounts.map((a) => a.accountNumber),
    ibans: accounts.map((a) => a.iban).filter(Boolean),
    recipientIds: recipient ? [recipient.id] : [],
    transferIds: [transfer?.id, incoming?.id].filter(Boolean),
    confirmationIds: transfer?.confirmationId ? [transfer.confirmationId] : [],
    paymentIds: payments.map((p) => p.id),
    transactionIds: (transactions.items ?? []).map((t: any) => t.id).filter(Boolean),
    cursors,
    problems,
  };
}

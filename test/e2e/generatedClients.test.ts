import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../client';
import { generatedPythonClient } from '../../dev/clients/pythonClient';
import { token } from '../support/api';
import { balances, lastCode } from '../support/bankFixtures';
import { useHttpApi } from '../support/http';

// The banking flow of docs/clients.md (a client, an account, a payment in, an outgoing transfer
// confirmed with its code, the statement) written with generated clients only, over real HTTP
// against the test stack: once in Python (openapi-python-client's output of docs/openapi.json) and
// once with the TypeScript client of client/ (openapi-fetch over openapi-typescript's types).
const { api, url, client } = useHttpApi();

const ROOT = join(import.meta.dirname, '../..');
const SEPA_FEE = '0.50';

type Line = Record<string, any> & { step: string };

/**
 * Runs test/e2e/generatedClientFlow.py: collects its JSON lines, and when it has created the client,
 * answers with that client's token on stdin (tokens come from the identity provider, not the API).
 */
async function runPythonFlow(): Promise<{ lines: Line[]; stderr: string; exitCode: number | null }> {
  const { pythonPath, python } = await generatedPythonClient(join(ROOT, 'docs/openapi.json'));
  const child = spawn(python, [join(import.meta.dirname, 'generatedClientFlow.py'), url()], {
    env: { ...process.env, PYTHONPATH: pythonPath, COREBANK_SYSTEM_TOKEN: api().tokens.system },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines: Line[] = [];
  for await (const text of createInterface({ input: child.stdout })) {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    if (line.step === 'paid') child.stdin.write(`${await token('client', line.clientId)}\n`);
  }
  return { lines, stderr, exitCode: await exited };
}

const today = () => new Date().toISOString().slice(0, 10);

describe('the banking flow through generated clients', () => {
  it('Python (openapi-python-client): every call a generated function; the printed results match the ledger', async () => {
    const { lines, stderr, exitCode } = await runPythonFlow();
    expect(exitCode, stderr).toBe(0);
    const step = (name: string) => {
      const line = lines.find((l) => l.step === name);
      if (!line) throw new Error(`the flow printed no ${name} step: ${stderr}`);
      return line;
    };

    const paid = step('paid');
    expect(paid.paymentStatus).toBe('Posted');
    // The repeated payment (same Idempotency-Key) is the first one, replayed.
    expect(paid.repeatedPaymentId).toBe(paid.paymentId);
    expect(paid.replayed).toBe('true');

    expect(step('transfer')).toMatchObject({ status: 'PendingConfirmation', fee: SEPA_FEE });
    // A wrong code parses into the Failure model with an ErrorCode member.
    expect(step('wrongCode')).toMatchObject({ status: 422, code: 'OTP_INVALID', isErrorCode: 'ErrorCode' });
    expect(['Confirmed', 'Processing', 'Completed']).toContain(step('confirmed').status);
    expect(step('settled').status).toBe('Completed');

    const statement = step('statement');
    expect(statement).toMatchObject({ openingBalance: '0.00', closingBalance: '89.50', totalCredits: '100.00', totalDebits: '10.50' });
    expect(statement.entries.at(-1).balance).toBe('89.50');
    expect(statement.csv[0]).toBe('date,id,type,description,counterparty,counterpartyAccount,reference,debit,credit,balance');
    expect(statement.csv).toHaveLength(statement.entries.length + 1);

    // What Python printed is what the ledger holds.
    expect(await balances(api(), step('paid').accountId)).toMatchObject({ balance: '89.50', held: '0.00' });
    const transfer = await api().get(`/internal/Transfers/outgoing/${step('transfer').transferId}`);
    expect(transfer.body.value).toMatchObject({ status: 'Completed', amount: '10.00', fee: SEPA_FEE });
  });

  it('TypeScript (client/): the same flow with the typed client', async () => {
    const bank = client();
    const created = await unwrap(
      bank.POST('/internal/Clients', {
        body: { type: 'individual', firstName: 'Ada', lastName: 'Lovelace', email: `ada-${randomUUID()}@example.com`, country: 'GB' },
      }),
    );
    const account = await unwrap(
      bank.POST('/v2/internal/Accounts', { body: { clientId: created.id, currency: 'EUR', purpose: 'current', name: 'Main' } }),
    );
    const settlement = await unwrap(
      bank.POST('/v2/ledger/internal/Accounts/search', { body: { kind: 'internal', currency: 'EUR', purpose: 'settlement' } }),
    );
    const payment = await unwrap(
      bank.POST('/internal/Payments', {
        body: { debitAccountId: settlement.items[0]?.id as string, creditAccountId: account.id, amount: '100.00', currency: 'EUR' },
        params: { header: { 'idempotency-key': `fund-${randomUUID()}` } },
      }),
    );
    expect(payment.status).toBe('Posted');

    const me = client(await token('client', created.id));
    const transfer = await unwrap(
      me.POST('/Transfers/outgoing', {
        body: {
          accountId: account.id,
          amount: '10.00',
          currency: 'EUR',
          reference: 'invoice ts',
          recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
        },
      }),
    );
    expect(transfer).toMatchObject({ status: 'PendingConfirmation', fee: SEPA_FEE });
    const byPath = { params: { path: { transferId: transfer.id } } };
    await unwrap(me.PUT('/Transfers/outgoing/{transferId}/confirm', { ...byPath, body: { code: await lastCode(api(), created.id) } }));
    const deadline = Date.now() + 60_000;
    let status = transfer.status;
    while (!['Completed', 'Failed', 'Stuck'].includes(status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await unwrap(me.GET('/Transfers/outgoing/{transferId}', byPath))).status;
    }
    expect(status).toBe('Completed');

    const query = { params: { query: { accountId: account.id, from: today(), to: today() } } };
    // This operation declares the CSV as a second media type of its 200 as well, hence the narrowing.
    const answer = await bank.GET('/internal/Transactions/report', query);
    expect(answer.response.status).toBe(200);
    const statement = (answer.data as Exclude<typeof answer.data, string | undefined>).value;
    expect(statement).toMatchObject({ openingBalance: '0.00', closingBalance: '89.50', totalCredits: '100.00', totalDebits: '10.50' });
    const csv = await bank.GET('/internal/Transactions/report.csv', { ...query, parseAs: 'text' });
    expect(csv.response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((csv.data as string).trim().split('\n')).toHaveLength(statement.entries.length + 1);
  });
});

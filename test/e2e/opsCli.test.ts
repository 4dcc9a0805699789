import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCAL_JWT_SECRET, LOCAL_OTP_SECRET } from '../../config/env';
import { ALL_CHECKS } from '../../domain/ledgerChecks';
import { token } from '../support/api';
import { openAccount } from '../support/bankFixtures';
import { send, useHttpApi } from '../support/http';

/**
 * The ops CLI (`npx corebank`, bin/corebank.js -> cli/main.ts) as a child process against this
 * suite's API served over HTTP, with the shared worker and the sandbox provider behind it.
 */
const { api, url, client } = useHttpApi();
const http = () => client();

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/corebank.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line as ops would, in the repository, with the test API's URL and secrets. */
function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    COREBANK_API_URL: url(),
    // The test API signs and checks with the local secrets, whatever the outer environment says.
    COREBANK_PROFILE: 'local',
    JWT_SECRET: LOCAL_JWT_SECRET,
    OTP_SECRET: LOCAL_OTP_SECRET,
    JWT_JWKS_URL: undefined,
    COREBANK_TOKEN: undefined,
    ...env,
  };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The ops token every command below runs with, minted by the CLI itself in the first test. */
let opsToken = '';
const corebank = (...args: string[]) => run(process.execPath, [BIN, ...args], { COREBANK_TOKEN: opsToken || undefined });
const ok = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** A client with money and a transfer of it confirmed, that the sandbox provider never answers: Stuck. */
async function stuckTransfer() {
  const account = await openAccount(api(), 'EUR', '50.00');
  const own = client(await token('client', account.clientId));
  const created = await send(
    own.POST('/Transfers/outgoing', {
      body: {
        accountId: account.id,
        amount: '10.00',
        currency: 'EUR',
        reference: 'TIMEOUT ops cli',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
    }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id: string = created.body.value.id;
  const sent = await send(http().GET('/internal/Notifications', { params: { query: { clientId: account.clientId, limit: 1 } } }));
  const code = /code is (\d{6})/.exec(sent.body.value.items[0]?.body ?? '')?.[1] ?? '';
  const confirmed = await send(
    own.PUT('/Transfers/outgoing/{transferId}/confirm', { params: { path: { transferId: id } }, body: { code } }),
  );
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(await statusOf(id, ['Stuck'])).toBe('Stuck');
  return { id, clientId: account.clientId };
}

async function statusOf(transferId: string, wanted: string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await send(http().GET('/internal/Transfers/outgoing/{transferId}', { params: { path: { transferId } } }));
    if (wanted.includes(res.body.value.status) || Date.now() > deadline) return res.body.value.status;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Money the provider reports for an IBAN of no account here: Unrecognized, in suspense. */
async function unrecognized() {
  const res = await send(
    http().POST('/internal/IncomingRequests', {
      body: {
        providerReference: `PR-${randomUUID()}`,
        amount: '3.00',
        currency: 'EUR',
        senderName: 'ACME',
        receiverIban: 'DE02120300000000202051',
      },
    }),
  );
  expect(res.body.value.status).toBe('Unrecognized');
  return res.body.value.id as string;
}

describe('the ops CLI against the API', () => {
  it('token: mints tokens with the local secret that the API accepts; refuses a client token without --sub', async () => {
    const minted = await corebank('token', '--role', 'ops', '--sub', 'cli-test');
    expect(minted.code, ok(minted)).toBe(0);
    opsToken = minted.stdout.trim();
    expect(opsToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await send(client(opsToken).GET('/internal/Transfers/outgoing', { params: { query: { limit: 1 } } }))).status).toBe(200);

    const noSub = await corebank('token', '--role', 'client');
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain('--sub');

    // The package's bin, as ops run it: npx finds this repository's own "bin" entry.
    const viaNpx = await run('npx', ['--no-install', 'corebank', 'token', '--role', 'system']);
    expect(viaNpx.code, ok(viaNpx)).toBe(0);
    expect((await send(client(viaNpx.stdout.trim()).GET('/internal/DailyCheck', { params: { query: { limit: 1 } } }))).status).toBe(200);
  }, 120_000);

  it('stuck, show, continue, execute: a Stuck transfer listed, inspected, retried, then settled by hand', async () => {
    const { id, clientId } = await stuckTransfer();

    const listed = await corebank('stuck', '--client', clientId, '--json');
    expect(listed.code, ok(listed)).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, status: 'Stuck', clientId })]);
    const plain = await corebank('stuck', '--client', clientId);
    expect(plain.code, ok(plain)).toBe(0);
    expect(plain.stdout).toContain('1 Stuck outgoing transfer');
    expect(plain.stdout).toContain(id);

    const shown = await corebank('show', id);
    expect(shown.code, ok(shown)).toBe(0);
    expect(shown.stdout).toContain(`outgoing transfer ${id}: Stuck`);
    expect(shown.stdout).toContain(`transfer-${id}`);
    expect(shown.stdout).toMatch(/history\s+RUNNING, \d+ events/);
    expect(shown.stdout).toContain('no ops intervention');

    const continued = await corebank('continue', id, '--note', 'provider is back');
    expect(continued.code, ok(continued)).toBe(0);
    expect(continued.stdout).toContain(`continued outgoing transfer ${id}`);
    // TIMEOUT: the sandbox never answers, so it is Stuck again once the retry budget is spent.
    expect(await statusOf(id, ['Stuck'])).toBe('Stuck');

    const executed = await corebank('execute', id, '--provider-reference', 'MANUAL-7', '--note', 'paid by phone', '--json');
    expect(executed.code, ok(executed)).toBe(0);
    expect(JSON.parse(executed.stdout)).toMatchObject({ id, status: 'Completed', providerReference: 'MANUAL-7' });

    const details = await corebank('show', id, '--json');
    expect(details.code, ok(details)).toBe(0);
    expect(JSON.parse(details.stdout)).toMatchObject({
      status: 'Completed',
      workflowId: `transfer-${id}`,
      audit: [
        expect.objectContaining({ action: 'continue', actor: 'ops:cli-test', note: 'provider is back' }),
        expect.objectContaining({ action: 'execute', actor: 'ops:cli-test', note: 'paid by phone' }),
      ],
    });

    // An API error: a non-zero exit and the envelope's code.
    const again = await corebank('execute', id, '--provider-reference', 'MANUAL-8');
    expect(again.code, ok(again)).toBe(1);
    expect(again.stderr).toContain('INVALID_STATE_TRANSITION');
    const missing = await corebank('show', randomUUID(), '--json');
    expect(missing.code, ok(missing)).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  }, 180_000);

  it('assign and return: Unrecognized incoming money to an account, and back to its sender', async () => {
    const owner = await openAccount(api(), 'EUR');
    const toAssign = await unrecognized();
    const assigned = await corebank('assign', toAssign, '--account', owner.id, '--note', 'matched by name');
    expect(assigned.code, ok(assigned)).toBe(0);
    expect(assigned.stdout).toContain(`assigned incoming transfer ${toAssign}: now Completed`);

    const toReturn = await unrecognized();
    const noNote = await corebank('return', toReturn);
    expect(noNote.code).toBe(2);
    const returned = await corebank('return', toReturn, '--note', 'unknown beneficiary', '--json');
    expect(returned.code, ok(returned)).toBe(0);
    expect(JSON.parse(returned.stdout)).toMatchObject({ id: toReturn, status: 'Returned', failureReason: 'unknown beneficiary' });
  }, 120_000);

  it('daily-check: runs the check now, waits for it and prints every check; the exit code says whether it passed', async () => {
    const plain = await corebank('daily-check');
    expect([0, 3], ok(plain)).toContain(plain.code);
    const [first, ...lines] = plain.stdout.trim().split('\n');
    expect(first).toMatch(new RegExp(`^daily check [0-9a-f-]{36} for \\d{4}-\\d{2}-\\d{2}: ${plain.code === 0 ? 'passed' : 'failed'}`));
    for (const name of ALL_CHECKS) expect(lines.join('\n')).toMatch(new RegExp(`(passed|FAILED)  ${name}`));

    const asJson = await corebank('daily-check', '--json');
    expect([0, 3], ok(asJson)).toContain(asJson.code);
    const report = JSON.parse(asJson.stdout);
    expect(report.status).toBe(asJson.code === 0 ? 'passed' : 'failed');
    expect(report.checks.map((c: { name: string }) => c.name).sort()).toEqual([...ALL_CHECKS].sort());
    // The same run is what the API lists.
    const listed = await send(http().GET('/internal/DailyCheck/details', { params: { query: { checkId: report.checkId } } }));
    expect(listed.body.value).toMatchObject({ checkId: report.checkId, status: report.status });

    const future = await corebank('daily-check', '--date', '2999-01-01');
    expect(future.code, ok(future)).toBe(1);
    expect(future.stderr).toContain('VALIDATION_ERROR');
  }, 120_000);
});

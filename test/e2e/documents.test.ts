import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { token } from '../support/api';
import { balances, openAccount } from '../support/bankFixtures';
import { useTestApi } from '../support/suite';

const api = useTestApi({ documents: { threshold: '500.00' } });

const MiB = 1024 * 1024;
const PDF = new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 7), Buffer.from('\n%%EOF\n')]));
const PNG = new Uint8Array(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A client with EUR and USD accounts, its token, and a pending FX transfer of `sellAmount` EUR. */
async function fxTransfer(sellAmount: string) {
  const source = await openAccount(api(), 'EUR', '2000.00');
  const usd = await api().post('/v2/internal/Accounts', { clientId: source.clientId, currency: 'USD', purpose: 'current', name: 'USD' });
  const as = { token: await token('client', source.clientId) };
  const created = await api().post('/Transfers/fx', { sourceAccountId: source.id, targetAccountId: usd.body.value.id, sellAmount }, as);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { clientId: source.clientId, sourceId: source.id, as, transfer: created.body.value as { id: string; confirmationId: string } };
}

/** Sends a form with the standard encoder (FormData), `type` after the file. */
async function upload(path: string, bearer: string, bytes: Uint8Array, fileName: string, type?: string) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), fileName);
  if (type) form.append('type', type);
  const res = await api().app.request(path, { method: 'POST', body: form, headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: (await res.json()) as any };
}

async function download(path: string, bearer: string) {
  const res = await api().app.request(path, { headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

async function lastCode(clientId: string): Promise<string> {
  const res = await api().get(`/internal/Notifications?clientId=${clientId}&limit=1`);
  return /code is (\d{6})/.exec(res.body.value.items[0]?.body ?? '')?.[1] ?? '';
}

describe('documents: streamed uploads, typed by content, scoped like transfers', () => {
  it('a client uploads to its transfer; downloads are byte-identical with the sha256; the back office sees it', async () => {
    const { as, transfer } = await fxTransfer('10.00');
    const up = await upload(`/Transfers/${transfer.id}/Documents`, as.token, PDF, 'invoice 7.pdf', 'invoice');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.value).toMatchObject({ fileName: 'invoice 7.pdf', contentType: 'application/pdf', size: PDF.length, type: 'invoice' });
    expect(up.body.value.sha256).toBe(sha256(PDF));

    const list = await api().get(`/Transfers/${transfer.id}/Documents`, as);
    expect(list.body.value.items.map((d: { id: string }) => d.id)).toEqual([up.body.value.id]);
    const got = await download(`/Transfers/${transfer.id}/Documents/${up.body.value.id}`, as.token);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toContain('filename="invoice 7.pdf"');
    expect(sha256(got.bytes)).toBe(sha256(PDF));
    expect(Buffer.from(got.bytes).equals(Buffer.from(PDF))).toBe(true);

    const system = api().tokens.system;
    const backOffice = await api().get(`/internal/Transfers/${transfer.id}/Documents`);
    expect(backOffice.body.value.items).toHaveLength(1);
    const fromSystem = await download(`/internal/Transfers/${transfer.id}/Documents/${up.body.value.id}`, system);
    expect(Buffer.from(fromSystem.bytes).equals(Buffer.from(PDF))).toBe(true);
  });

  it('refuses a fake PDF (415) and keeps nothing of it', async () => {
    const { as, transfer } = await fxTransfer('10.00');
    const fake = new TextEncoder().encode('this is not a PDF, whatever its name says');
    const res = await upload(`/Transfers/${transfer.id}/Documents`, as.token, fake, 'fake.pdf');
    expect(res.status).toBe(415);
    expect(res.body.errors[0].metadata.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await api().get(`/Transfers/${transfer.id}/Documents`, as)).body.value.items).toEqual([]);
  });

  it('refuses a file over 10 MiB (413) while it streams, without reading it whole', async () => {
    const { as, transfer } = await fxTransfer('10.00');
    const boundary = 'corebank-test-boundary';
    const total = 40 * MiB;
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x41);
    const encoder = new TextEncoder();
    let stage = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (stage === 0) {
          stage = 1;
          controller.enqueue(
            encoder.encode(
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`,
            ),
          );
        } else if (sent < total) {
          sent += chunk.length;
          controller.enqueue(chunk);
        } else {
          controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
          controller.close();
        }
      },
    });
    const res = await api().app.request(`/Transfers/${transfer.id}/Documents`, {
      method: 'POST',
      body: body,
      headers: { authorization: `Bearer ${as.token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { metadata: { code: string } }[] }).errors[0]?.metadata.code).toBe('PAYLOAD_TOO_LARGE');
    // It stopped reading just past the limit: the other 30 MiB were never pulled.
    expect(sent).toBeGreaterThan(10 * MiB - chunk.length);
    expect(sent).toBeLessThan(12 * MiB);
    expect((await api().get(`/Transfers/${transfer.id}/Documents`, as)).body.value.items).toEqual([]);
  });

  it('another client sees, uploads and downloads nothing of it (404)', async () => {
    const { as, transfer } = await fxTransfer('10.00');
    const up = await upload(`/Transfers/${transfer.id}/Documents`, as.token, PNG, 'scan.png');
    expect(up.status).toBe(201);
    expect(up.body.value).toMatchObject({ contentType: 'image/png', type: 'other' });
    const other = await openAccount(api(), 'EUR');
    const otherToken = await token('client', other.clientId);
    expect((await upload(`/Transfers/${transfer.id}/Documents`, otherToken, PNG, 'x.png')).status).toBe(404);
    expect((await api().get(`/Transfers/${transfer.id}/Documents`, { token: otherToken })).status).toBe(404);
    expect((await download(`/Transfers/${transfer.id}/Documents/${up.body.value.id}`, otherToken)).status).toBe(404);
    // A document id under another transfer is not found either.
    const mine = await fxTransfer('1.00');
    expect((await download(`/Transfers/${mine.transfer.id}/Documents/${up.body.value.id}`, mine.as.token)).status).toBe(404);
  });

  it('KYC documents of a client (back office)', async () => {
    const owner = await openAccount(api(), 'EUR');
    const system = api().tokens.system;
    const up = await upload(`/internal/Clients/${owner.clientId}/Documents`, system, PNG, 'passport.png', 'id');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.value).toMatchObject({ type: 'id', contentType: 'image/png', sha256: sha256(PNG) });
    const list = await api().get(`/internal/Clients/${owner.clientId}/Documents`);
    expect(list.body.value.items).toHaveLength(1);
    const got = await download(`/internal/Clients/${owner.clientId}/Documents/${up.body.value.id}`, system);
    expect(Buffer.from(got.bytes).equals(Buffer.from(PNG))).toBe(true);
    const badType = await upload(`/internal/Clients/${owner.clientId}/Documents`, system, PNG, 'p.png', 'selfie');
    expect(badType.status).toBe(400);
    expect((await upload(`/internal/Clients/00000000-0000-4000-8000-000000000000/Documents`, system, PNG, 'p.png')).status).toBe(404);
  });

  it('a transfer at or above the threshold needs a document before its code is checked', async () => {
    const { clientId, sourceId, as, transfer } = await fxTransfer('500.00');
    const code = await lastCode(clientId);
    const refused = await api().put(`/Transfers/fx/${transfer.id}/confirm`, { code }, as);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].metadata.code).toBe('DOCUMENT_REQUIRED');
    // No attempt was used up and the code still works.
    expect((await api().get(`/Confirmations/${transfer.confirmationId}`, as)).body.value).toMatchObject({ attemptsLeft: 5 });
    expect((await upload(`/Transfers/${transfer.id}/Documents`, as.token, PDF, 'contract.pdf', 'contract')).status).toBe(201);
    const ok = await api().put(`/Transfers/fx/${transfer.id}/confirm`, { code }, as);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.value.status).toBe('Completed');
    expect(await balances(api(), sourceId)).toMatchObject({ balance: '1500.00' });

    // Just below the threshold needs none; outgoing transfers follow the same rule.
    const below = await fxTransfer('499.99');
    expect((await api().put(`/Transfers/fx/${below.transfer.id}/confirm`, { code: await lastCode(below.clientId) }, below.as)).status).toBe(
      200,
    );
    const out = await api().post(
      '/Transfers/outgoing',
      {
        accountId: below.sourceId,
        amount: '600.00',
        currency: 'EUR',
        recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
      },
      below.as,
    );
    expect(out.status, JSON.stringify(out.body)).toBe(201);
    const outConfirm = await api().put(
      `/Transfers/outgoing/${out.body.value.id}/confirm`,
      { code: await lastCode(below.clientId) },
      below.as,
    );
    expect(outConfirm.status).toBe(422);
    expect(outConfirm.body.errors[0].metadata.code).toBe('DOCUMENT_REQUIRED');
    await api().request('DELETE', `/Transfers/outgoing/${out.body.value.id}`, undefined, below.as);
  });
});

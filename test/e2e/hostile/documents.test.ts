import { describe, expect, it } from 'vitest';
import { documentFileName } from '../../../domain/fileName';
import { token } from '../../support/api';
import { openAccount } from '../../support/bankFixtures';
import { useTestApi } from '../../support/suite';

/**
 * Hostile callers, documents: a file cannot pose as another type through its name, a name cannot
 * hide what it is with invisible or reordering characters, final transfers take no documents, and
 * a client's daily volume is bounded. The daily volume is small here (40 KiB) to reach it.
 */
const DAILY = 40 * 1024;
const api = useTestApi({ documents: { dailyBytesPerClient: DAILY } });

const PDF_WITH_HTML = Buffer.concat([
  Buffer.from('%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n'),
  Buffer.alloc(100, 32),
]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 2)]);

async function transferOf(status: 'pending' | 'cancelled') {
  const account = await openAccount(api(), 'EUR', '100.00');
  const as = { token: await token('client', account.clientId) };
  const created = await api().post(
    '/Transfers/outgoing',
    {
      accountId: account.id,
      amount: '1.00',
      currency: 'EUR',
      recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000', country: 'DE', currency: 'EUR' },
    },
    as,
  );
  expect(created.status, created.text).toBe(201);
  const id = created.body.value.id as string;
  if (status === 'cancelled') expect((await api().request('DELETE', `/Transfers/outgoing/${id}`, undefined, as)).status).toBe(200);
  return { id, clientId: account.clientId, bearer: as.token };
}

async function upload(path: string, bearer: string, bytes: Buffer, fileName: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/html' }), fileName);
  const res = await api().app.request(path, { method: 'POST', body: form, headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('a document is named for what its bytes are', () => {
  it.each([
    ['invoice.html', PDF_WITH_HTML, 'invoice.pdf', 'application/pdf'],
    ['invoice.HTML', PDF_WITH_HTML, 'invoice.pdf', 'application/pdf'],
    ['invoice', PDF_WITH_HTML, 'invoice.pdf', 'application/pdf'],
    ['report.pdf.exe', PDF_WITH_HTML, 'report.pdf.pdf', 'application/pdf'],
    ['scan.svg', PNG, 'scan.png', 'image/png'],
    ['photo.jpeg', JPEG, 'photo.jpeg', 'image/jpeg'],
    ['photo.gif', JPEG, 'photo.jpg', 'image/jpeg'],
    ['.htaccess', PNG, 'htaccess.png', 'image/png'],
  ])('%s is stored and served with the extension of its detected type', async (name, bytes, stored, type) => {
    const t = await transferOf('pending');
    const up = await upload(`/Transfers/${t.id}/Documents`, t.bearer, bytes, name);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.value).toMatchObject({ fileName: stored, contentType: type });
    const got = await api().app.request(`/internal/Transfers/${t.id}/Documents/${up.body.value.id}`, {
      headers: { authorization: `Bearer ${api().tokens.system}` },
    });
    expect(got.headers.get('content-type')).toBe(type);
    expect(got.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="${stored.replace('.', '\\.')}"`));
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toContain('sandbox');
  });

  it.each([
    ['inv\u202Eexe.pdf', 'invexe.pdf'],
    ['inv\u202Dfdp.exe', 'invfdp.pdf'],
    ['a\u2066b\u2069c.pdf', 'abc.pdf'],
    ['line\u0085break.pdf', 'linebreak.pdf'],
    ['zero\u200Bwidth\uFEFF.pdf', 'zerowidth.pdf'],
    ['sep\u2028arator.pdf', 'separator.pdf'],
    ['bell\u0007\u001b[31m.pdf', 'bell[31m.pdf'],
    ['filler\u3164\u115F.pdf', 'filler.pdf'],
    ['\u202E', 'document.pdf'],
  ])('the name %j is stored and served as %j', async (name, stored) => {
    expect(documentFileName(name, 'application/pdf')).toBe(stored);
    const t = await transferOf('pending');
    const up = await upload(`/Transfers/${t.id}/Documents`, t.bearer, PDF_WITH_HTML, name);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.value.fileName).toBe(stored);
  });
});

it.each([
  ['..\\..\\etc\\passwd.pdf', 'passwd.pdf'],
  ['../../etc/passwd', 'passwd.pdf'],
  ['"quoted".pdf', 'quoted.pdf'],
  ['a:b*c?d<e>f|g.pdf', 'abcdefg.pdf'],
  [`${'x'.repeat(300)}.html`, `${'x'.repeat(196)}.pdf`],
])('the name %j, however a form encodes it, becomes %j', (name, stored) => {
  // Form encoders escape quotes and backslashes on the way (%22, \\); the rule itself is checked here.
  expect(documentFileName(name, 'application/pdf')).toBe(stored);
});

describe('final transfers take no documents; a client has a daily volume', () => {
  it('an upload to a Cancelled transfer is 422 INVALID_STATE_TRANSITION and stores nothing', async () => {
    const t = await transferOf('cancelled');
    const up = await upload(`/Transfers/${t.id}/Documents`, t.bearer, PNG, 'late.png');
    expect(up.status).toBe(422);
    expect(up.body.errors[0].metadata).toMatchObject({ code: 'INVALID_STATE_TRANSITION', from: 'Cancelled' });
    expect((await api().get(`/Transfers/${t.id}/Documents`, { token: t.bearer })).body.value.items).toEqual([]);
  });

  it('past the daily volume uploads are 429 with Retry-After until the UTC day ends, sequential or parallel', async () => {
    const t = await transferOf('pending');
    const chunk = Buffer.concat([PNG, Buffer.alloc(15 * 1024, 3)]);
    expect((await upload(`/Transfers/${t.id}/Documents`, t.bearer, chunk, 'a.png')).status).toBe(201);
    expect((await upload(`/Transfers/${t.id}/Documents`, t.bearer, chunk, 'b.png')).status).toBe(201);
    // The third would pass 40 KiB: refused while it streams.
    const third = await upload(`/Transfers/${t.id}/Documents`, t.bearer, chunk, 'c.png');
    expect(third.status).toBe(429);
    expect(third.body.errors[0].metadata.code).toBe('RATE_LIMITED');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(24 * 3600);
    // Another transfer of another client is not affected; parallel uploads of one client cannot pass it together.
    const other = await transferOf('pending');
    const parallel = await Promise.all(
      Array.from({ length: 5 }, (_, i) => upload(`/Transfers/${other.id}/Documents`, other.bearer, chunk, `p${i}.png`)),
    );
    expect(parallel.filter((r) => r.status === 201)).toHaveLength(2);
    expect(parallel.filter((r) => r.status === 429)).toHaveLength(3);
    const listed = await api().get(`/Transfers/${other.id}/Documents`, { token: other.bearer });
    expect(listed.body.value.items).toHaveLength(2);
  });

  it('KYC documents of a client count against the same volume', async () => {
    const t = await transferOf('pending');
    const big = Buffer.concat([PNG, Buffer.alloc(DAILY - PNG.length - 10, 4)]);
    expect((await upload(`/internal/Clients/${t.clientId}/Documents`, api().tokens.system, big, 'passport.png')).status).toBe(201);
    const refused = await upload(`/Transfers/${t.id}/Documents`, t.bearer, Buffer.concat([PNG, Buffer.alloc(100)]), 'x.png');
    expect(refused.status).toBe(429);
  });
});

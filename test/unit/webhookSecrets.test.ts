import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { localWebhookPolicy } from '../../config/env';
import { isPublicAddress } from '../../domain/publicAddress';
import { decryptSecret, encryptSecret, generateSecret, signatureHeader, signatureOf } from '../../domain/webhookSecrets';
import { checkEndpointUrl } from '../../usecases/webhookUrls';

describe('webhook secrets and signatures', () => {
  it('makes secrets of 32 random bytes and signs exactly as the reference library does', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const id = '01936b2e-8f00-7000-8000-000000000001';
    const body = JSON.stringify({ id, type: 'payment.posted', data: { amount: '1.00' } });
    const timestamp = Math.floor(Date.now() / 1000);
    expect(signatureOf(secret, id, timestamp, body)).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([generateSecret(), secret], id, timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'payment.posted' });
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('stores a secret encrypted, bound to its endpoint', () => {
    const { secretKeys } = localWebhookPolicy();
    const secret = generateSecret();
    const stored = encryptSecret(secretKeys, 'endpoint-a', secret);
    expect(stored).not.toContain(secret.slice(6));
    expect(decryptSecret(secretKeys, 'endpoint-a', stored)).toBe(secret);
    expect(() => decryptSecret(secretKeys, 'endpoint-b', stored)).toThrow();
    const other = { currentKeyId: 'k2', keys: new Map([['k2', randomBytes(32)]]) };
    expect(() => decryptSecret(other, 'endpoint-a', stored)).toThrow(/unknown key/);
  });
});

describe('webhook URLs outside the local profile', () => {
  it('refuses loopback, private and link-local addresses, and plain http', async () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '0.0.0.0',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '2606:4700:4700::1111']) expect(isPublicAddress(address), address).toBe(true);
    for (const url of [
      'http://8.8.8.8/hook',
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest',
      'https://localhost/x',
    ]) {
      await expect(checkEndpointUrl(url, false), url).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    await expect(checkEndpointUrl('https://8.8.8.8/hook', false)).resolves.toBe('https://8.8.8.8/hook');
    // The local profile takes a receiver on this machine.
    await expect(checkEndpointUrl('http://127.0.0.1:9000/hook', true)).resolves.toBe('http://127.0.0.1:9000/hook');
  });
});

describe('the webhook sender', () => {
  it('gives up on a receiver that does not answer in time, and refuses a private address outside the local profile', async () => {
    const { createServer } = await import('node:http');
    const { postWebhook } = await import('../../activities/webhookSender');
    // Never answers.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const started = Date.now();
    await expect(
      postWebhook({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', allowPrivate: true, timeoutMs: 300 }),
    ).rejects.toThrow(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(postWebhook({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}', allowPrivate: false })).rejects.toThrow(
      /not a public address/,
    );
    await expect(postWebhook({ url: 'http://localhost:1/', headers: {}, body: '{}', allowPrivate: false })).rejects.toThrow(/non-public/);
    server.closeAllConnections();
    server.close();
  });
});

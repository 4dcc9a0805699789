import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env';
import { payloadKeysFrom } from '../../config/payloadKeys';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../observability/payloadCodec';

const key = () => randomBytes(32).toString('base64');
const fail = (message: string): never => {
  throw new ConfigError(message);
};
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('the payload encryption codec', () => {
  const secret = { recipient: { name: 'Jane Roe', iban: 'DE89370400440532013000' }, amount: '10.00' };

  it('encrypts a payload whole (metadata too) under the current key id, and decrypts it', async () => {
    const codec = new EncryptionCodec(payloadKeysFrom(`k1:${key()}`, fail) as never);
    const plain = defaultPayloadConverter.toPayload(secret);
    const [sealed] = await codec.encode([plain]);
    expect(text(sealed?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed?.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(text(sealed?.data)).not.toContain('DE89370400440532013000');
    expect(text(sealed?.data)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed as never]);
    expect(defaultPayloadConverter.fromPayload(opened as never)).toEqual(secret);
  });

  it('passes payloads without the encrypted encoding through unchanged (histories from before)', async () => {
    const codec = new EncryptionCodec(payloadKeysFrom(`k1:${key()}`, fail) as never);
    const plain = defaultPayloadConverter.toPayload(secret);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('rotates: new payloads under the first key, old ones still open with the second; a removed key fails loudly', async () => {
    const [k1, k2] = [key(), key()];
    const [old] = await new EncryptionCodec(payloadKeysFrom(`k1:${k1}`, fail) as never).encode([defaultPayloadConverter.toPayload(secret)]);
    const rotated = new EncryptionCodec(payloadKeysFrom(`k2:${k2},k1:${k1}`, fail) as never);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(secret)]);
    expect(text(fresh?.metadata?.[KEY_ID_METADATA])).toBe('k2');
    for (const payload of await rotated.decode([old as never, fresh as never]))
      expect(defaultPayloadConverter.fromPayload(payload)).toEqual(secret);
    await expect(new EncryptionCodec(payloadKeysFrom(`k2:${k2}`, fail) as never).decode([old as never])).rejects.toThrow(/key "k1"/);
  });

  it('refuses a tampered payload (GCM authentication)', async () => {
    const codec = new EncryptionCodec(payloadKeysFrom(`k1:${key()}`, fail) as never);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const data = Buffer.from(sealed?.data as Uint8Array);
    data[20] = (data[20] as number) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow();
  });

  it('is required in the production profile, with keys of 32 bytes', () => {
    const production = {
      COREBANK_PROFILE: 'production',
      DATABASE_URL: 'postgres://db/corebank',
      JWT_SECRET: 'j'.repeat(40),
      OTP_SECRET: 'o'.repeat(40),
    };
    expect(() => loadConfig(production)).toThrow(/PAYLOAD_ENCRYPTION_KEYS must be set/);
    expect(() => loadConfig({ ...production, PAYLOAD_ENCRYPTION_KEYS: `k1:${randomBytes(16).toString('base64')}` })).toThrow(/32 bytes/);
    expect(() => loadConfig({ ...production, PAYLOAD_ENCRYPTION_KEYS: key() })).toThrow(/<key id>:<base64 key>/);
    expect(loadConfig({ ...production, PAYLOAD_ENCRYPTION_KEYS: `k1:${key()}` }).payloadKeys?.currentKeyId).toBe('k1');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/corebank' }).payloadKeys).toBeUndefined();
  });
});

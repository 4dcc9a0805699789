import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// CommonJS: its namespaces come from the default export under ESM.
import proto from '@temporalio/proto';
import type { PayloadKeys } from '../config/payloadKeys';

/** The `encoding` of an encrypted payload; anything else passes through the codec unchanged. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted under, so keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * AES-256-GCM over every workflow and activity payload (inputs, results, update arguments, memo
 * values...): the whole original payload, its metadata included, is serialised and encrypted, so
 * Temporal's database, its UI and anyone reading a history see ciphertext. The encrypted payload
 * carries the key id in clear metadata. Payloads without the encrypted encoding (histories made
 * before encryption was on) pass through unchanged, so old runs still replay.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keys.currentKeyId;
    const key = this.keys.keys.get(keyId) as Buffer;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = ProtoPayload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(keyId) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString('utf8') : undefined;
      if (encoding !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
      const keyId = keyIdBytes ? Buffer.from(keyIdBytes).toString('utf8') : '';
      const key = this.keys.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted under key "${keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plain);
    });
  }
}

/** The data converter option of Client and Worker: the codec when keys are configured, else nothing. */
export function dataConverterFor(keys: PayloadKeys | undefined) {
  return keys ? { dataConverter: { payloadCodecs: [new EncryptionCodec(keys)] } } : {};
}

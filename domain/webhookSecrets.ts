import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets and signatures, by the Standard Webhooks specification: a secret is
 * `whsec_` + base64 of random bytes; a signature is `v1,` + base64 of HMAC-SHA256, keyed with the
 * secret's decoded bytes, over `{webhook-id}.{webhook-timestamp}.{body}`.
 */

const PREFIX = 'whsec_';
/** 32 random bytes: the specification asks for 24 to 64. */
const SECRET_BYTES = 32;

export function generateSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export function signatureOf(secret: string, webhookId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/** The webhook-signature header: one signature per valid secret, space-separated (rotation). */
export function signatureHeader(secrets: string[], webhookId: string, timestamp: number, body: string): string {
  return secrets.map((secret) => signatureOf(secret, webhookId, timestamp, body)).join(' ');
}

/** Keys a secret is stored under (config/payloadKeys.ts's shape): the current one encrypts, all decrypt. */
export interface SecretKeys {
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

/**
 * `<key id>:<iv>:<tag>:<ciphertext>` (base64), AES-256-GCM. The endpoint id is the associated
 * data: a stored secret copied onto another endpoint's row does not decrypt there.
 */
export function encryptSecret(keys: SecretKeys, endpointId: string, secret: string): string {
  const key = keys.keys.get(keys.currentKeyId) as Buffer;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(endpointId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [keys.currentKeyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
}

export function decryptSecret(keys: SecretKeys, endpointId: string, stored: string): string {
  const [keyId, iv, tag, ciphertext] = stored.split(':');
  const key = keys.keys.get(keyId ?? '');
  if (!key || !iv || !tag || ciphertext === undefined) throw new Error(`webhook secret of ${endpointId} is under an unknown key ${keyId}`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64')).setAAD(Buffer.from(endpointId));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
}

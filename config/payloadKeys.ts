/**
 * PAYLOAD_ENCRYPTION_KEYS: `<key id>:<base64 of 32 bytes>` pairs separated by commas. The first
 * encrypts new payloads; all of them decrypt, so a key rotates by putting a new one first and
 * removing the old one once no open workflow's history holds a payload it encrypted.
 */
export interface PayloadKeys {
  /** The id new payloads are encrypted under. */
  currentKeyId: string;
  keys: Map<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function payloadKeysFrom(
  text: string | undefined,
  fail: (message: string) => never,
  variable = 'PAYLOAD_ENCRYPTION_KEYS',
): PayloadKeys | undefined {
  if (!text) return undefined;
  const keys = new Map<string, Buffer>();
  for (const entry of text.split(',').map((part) => part.trim())) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator);
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (separator < 1 || !KEY_ID.test(id)) fail(`${variable}: each entry is <key id>:<base64 key>, the id 1-64 of A-Z a-z 0-9 . _ -`);
    if (key.length !== 32) fail(`${variable}: key ${id} must be 32 bytes (AES-256), base64; make one with: openssl rand -base64 32`);
    if (keys.has(id)) fail(`${variable}: key id ${id} appears twice`);
    keys.set(id, key);
  }
  const [currentKeyId] = keys.keys();
  return { currentKeyId: currentKeyId as string, keys };
}

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ValidationError } from '../domain/errors';
import { isPublicAddress } from '../domain/publicAddress';

/**
 * docs/webhooks.md: outside the local profile an endpoint URL is `https` and must not resolve to loopback,
 * private or link-local addresses (SSRF); the local profile also accepts plain http (a receiver
 * on 127.0.0.1). The worker checks the address again when it connects (activities/webhookSender.ts).
 */
export async function checkEndpointUrl(text: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError('url must be an absolute http(s) URL', 'url');
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) throw new ValidationError(`url must use ${schemes.join(' or ').replace(/:/g, '')}`, 'url');
  if (url.username || url.password) throw new ValidationError('url must not carry credentials', 'url');
  if (url.hash) throw new ValidationError('url must not have a fragment', 'url');
  if (allowPrivate) return url.toString();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw new ValidationError(`url's host ${host} does not resolve`, 'url');
    }
  }
  if (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a))) {
    throw new ValidationError(`url's host ${host} resolves to a loopback, private or link-local address`, 'url');
  }
  return url.toString();
}

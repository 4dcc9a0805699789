import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '../domain/publicAddress';

/** docs/webhooks.md: a 2xx answer within 10 s is a delivery. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Of the receiver's answer, only this much is read (its status is what counts). */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The local profile: any address; elsewhere only public ones, checked on the address connected to. */
  allowPrivate: boolean;
  timeoutMs?: number;
}

/**
 * A DNS lookup that refuses non-public addresses: the check is made on the address the socket
 * connects to, so a name that resolved to a public address when the endpoint was saved and to
 * 10.0.0.1 now (DNS rebinding) is refused too.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as unknown as { address: string; family: number }[];
    const blocked = list.find((a) => !isPublicAddress(a.address));
    if (blocked || list.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'EADDRNOTPUBLIC' }), '', 0);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    const first = list[0] as { address: string; family: number };
    return callback(null, first.address, first.family);
  });
};

/** POSTs one webhook; resolves with the status code, rejects on a network error or the timeout. */
export function postWebhook(req: WebhookRequest): Promise<number> {
  const url = new URL(req.url);
  if (!req.allowPrivate && isIP(url.hostname.replace(/^\[|\]$/g, '')) && !isPublicAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
    return Promise.reject(new Error(`${url.hostname} is not a public address`));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body).toString() },
        timeout: req.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
        ...(req.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('close', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    // The whole exchange, not only idle time, is bounded by the timeout.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${req.timeoutMs ?? WEBHOOK_TIMEOUT_MS} ms`)),
      req.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${req.timeoutMs ?? WEBHOOK_TIMEOUT_MS} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(req.body);
  });
}

import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The typed client of the corebank API: openapi-fetch over the types openapi-typescript
 * generates from docs/openapi.json (client/schema.ts, `npm run generate:client`).
 *
 *   const api = createCorebankClient('http://127.0.0.1:3000', token);
 *   const { data, error } = await api.GET('/internal/Transfers/outgoing/{transferId}', { params: { path: { transferId } } });
 *   const transfer = await unwrap(api.GET(...)); // the envelope's value, or throws CorebankApiError
 */

export type { components, operations, paths } from './schema';
export type CorebankClient = Client<paths>;
export type Schemas = components['schemas'];
export type EnvelopeError = Schemas['ResultError'];

/** A bearer token on every request (a request's own `authorization` header wins; `null` sends none). */
export function createCorebankClient(baseUrl: string, token?: string, options: Omit<ClientOptions, 'baseUrl'> = {}): CorebankClient {
  const { headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    baseUrl,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}

/** An answer other than 2xx: the status and the first error of the FluentResults envelope. */
export class CorebankApiError extends Error {
  constructor(
    readonly status: number,
    /** The envelope's `errors[0].metadata.code`, or `HTTP_<status>` when the body is no envelope. */
    readonly code: string,
    message: string,
    readonly errors: EnvelopeError[],
  ) {
    super(message);
    this.name = 'CorebankApiError';
  }
}

/** What every openapi-fetch call resolves to. */
interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** The `value` of a successful envelope; any other answer throws CorebankApiError. */
export async function unwrap<D extends { value?: unknown }>(call: Promise<FetchResult<D>>): Promise<NonNullable<D['value']>> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined && data.value !== null && data.value !== undefined) return data.value as NonNullable<D['value']>;
  throw apiError(response, error ?? data);
}

function apiError(response: Response, body: unknown): CorebankApiError {
  const errors = Array.isArray((body as { errors?: unknown } | undefined)?.errors) ? (body as { errors: EnvelopeError[] }).errors : [];
  const first = errors[0];
  const code = first?.metadata?.code ?? `HTTP_${response.status}`;
  const message = first?.message ?? (typeof body === 'string' && body ? body : response.statusText || 'no envelope in the answer');
  return new CorebankApiError(response.status, code, message, errors);
}

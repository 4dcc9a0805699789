import { getRefId } from '@asteasolutions/zod-to-openapi';
import { z } from '@hono/zod-openapi';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../domain/paging';
import { pattern } from '../schemas';
import { base64urlOfRun } from './base64url';

// Paging.

/**
 * The cursor of the lists paged by seq (domain/paging.ts): base64url of "s:" and 1 to 18 digits,
 * exactly, or empty for the first page. 18 digits keep every cursor inside Postgres's bigint (a
 * 19-digit one may not be), and a list would need 10^18 rows to reach past them.
 */
export const Cursor = pattern(
  new RegExp(`^(?:${base64urlOfRun(['s', ':'], '0123456789', 18)})?$`),
  'must be the nextCursor of a previous page',
  27,
).openapi({ description: 'nextCursor of the previous page (empty or left out: the first page)' });

/** A query `limit`: digits, 1 to MAX_PAGE_SIZE. */
const LimitQuery = pattern(/^[0-9]{1,18}$/, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
  .openapi({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, description: `default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}` });

export const PageQuery = {
  limit: LimitQuery.optional(),
  cursor: Cursor.optional(),
};

/** The same paging fields in a JSON body: `limit` is a JSON integer there. */
export const PageBody = {
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `default ${DEFAULT_PAGE_SIZE}, max ${MAX_PAGE_SIZE}` }),
  cursor: Cursor.optional(),
};

/** A page of named items, itself named `<Item>Page`: one component per item type, shared by every list of it. */
export function pageOf<T extends z.ZodTypeAny>(item: T) {
  const name = getRefId(item as never);
  if (!name) throw new Error('pageOf needs a named item schema (.openapi("Name"))');
  const known = pages.get(name);
  if (known) return known as ReturnType<typeof page<T>>;
  const schema = page(item).openapi(`${name}Page`);
  pages.set(name, schema);
  return schema;
}

const pages = new Map<string, z.ZodTypeAny>();

const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().openapi({ description: 'The cursor of the next page; null on the last page' }),
  });

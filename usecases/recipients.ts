import { normalizeRecipient, type RecipientFields } from '../domain/accountReference';
import type { Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import {
  findRecipient,
  getRecipient,
  insertRecipient,
  listAllRecipients,
  listRecipients,
  type RecipientRow,
  setRecipientHidden,
} from '../store/recipients';
import type { UseCaseDeps } from './deps';

export type { RecipientRow };

export interface RecipientFilter {
  currency?: string;
  hidden?: boolean;
}

/**
 * A client's address book: the caller (role client) sees and changes only its own recipients;
 * another client's recipient is as good as missing.
 */
export function createRecipientUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  /** Adds a recipient after checking and normalising its IBAN and BIC. */
  async function add(caller: Caller, fields: RecipientFields): Promise<RecipientRow> {
    requireLedgerCurrency(fields.currency);
    return insertRecipient(sql, { id: newId(), clientId: caller.sub, ...normalizeRecipient(fields) });
  }

  async function get(caller: Caller, recipientId: string): Promise<RecipientRow> {
    const recipient = await getRecipient(sql, caller.sub, recipientId);
    if (!recipient) throw new NotFoundError('recipient', recipientId);
    return recipient;
  }

  /** The caller's recipients, newest first. */
  async function list(caller: Caller, filter: RecipientFilter, page: PageRequest): Promise<Page<RecipientRow>> {
    if (filter.currency !== undefined) requireLedgerCurrency(filter.currency);
    return toPage(await listRecipients(sql, caller.sub, filter, page), page.limit, (row) => row);
  }

  /** Hides a recipient from the address book, or shows it again. */
  async function setHidden(caller: Caller, recipientId: string, hidden: boolean): Promise<RecipientRow> {
    const recipient = await setRecipientHidden(sql, caller.sub, recipientId, hidden);
    if (!recipient) throw new NotFoundError('recipient', recipientId);
    return recipient;
  }

  /** The back office: any client's recipient. */
  async function getAny(recipientId: string): Promise<RecipientRow> {
    const recipient = await findRecipient(sql, recipientId);
    if (!recipient) throw new NotFoundError('recipient', recipientId);
    return recipient;
  }

  /** The back office: every client's recipients (filter clientId), newest first. */
  async function listAll(filter: RecipientFilter & { clientId?: string }, page: PageRequest): Promise<Page<RecipientRow>> {
    if (filter.currency !== undefined) requireLedgerCurrency(filter.currency);
    return toPage(await listAllRecipients(sql, filter, page), page.limit, (row) => row);
  }

  return { add, get, list, setHidden, getAny, listAll };
}

export type RecipientUseCases = ReturnType<typeof createRecipientUseCases>;

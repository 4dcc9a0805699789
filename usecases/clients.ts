import { ibanFor } from '../domain/accountReference';
import type { Caller } from '../domain/caller';
import { requireLedgerCurrency } from '../domain/currency';
import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { TransferLimits } from '../domain/limits';
import { parseAmount } from '../domain/money';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { type AccountRow, accountsOfClient, createAccount, nextAccountNumber } from '../ledger/accounts';
import {
  type ClientChanges,
  type ClientFilter,
  type ClientRow,
  getClient,
  insertClient,
  listClients,
  type NewClient,
  type StatusChangeRow,
  setClientBlocked,
  statusHistoryOf,
  updateClient,
} from '../store/clients';
import type { UseCaseDeps } from './deps';

export type { ClientChanges, ClientFilter };

export interface OnboardingRequest extends Omit<NewClient, 'id' | 'externalId'> {
  externalId: string;
  currencies: string[];
}

/** A client as the back office registers it; the id is given here. */
export type NewClientRequest = Omit<NewClient, 'id'>;

/** Clients (the bank's customers), registered and looked up by the back office. */
export function createClientUseCases({ sql, iban }: Pick<UseCaseDeps, 'sql' | 'iban'>) {
  /** Registers a client; an externalId is a unique business key, so a second one is ALREADY_EXISTS. */
  async function create(request: NewClientRequest): Promise<ClientRow> {
    const { client, created } = await insertClient(sql, { id: newId(), ...request });
    if (!created) {
      throw new DomainError(ErrorCode.ALREADY_EXISTS, `a client with externalId ${request.externalId} exists`, {
        id: client.id,
        field: 'externalId',
      });
    }
    return client;
  }

  async function get(clientId: string): Promise<ClientRow> {
    const client = await getClient(sql, clientId);
    if (!client) throw new NotFoundError('client', clientId);
    return client;
  }

  /** Clients newest first. */
  async function list(filter: ClientFilter, page: PageRequest): Promise<Page<ClientRow>> {
    return toPage(await listClients(sql, filter, page), page.limit, (row) => row);
  }

  /** Changes profile fields and limits; fields left out stay as they are. */
  async function update(actor: Caller, clientId: string, changes: ClientChanges): Promise<ClientRow> {
    if (changes.limits) checkLimits(changes.limits);
    const client = await updateClient(sql, clientId, changes, actor);
    if (!client) throw new NotFoundError('client', clientId);
    return client;
  }

  /** Blocks (no money leaves the client's accounts from now on) or unblocks; both idempotent. */
  async function setBlocked(actor: Caller, clientId: string, blocked: boolean, reason: string | null): Promise<ClientRow> {
    const client = await setClientBlocked(sql, clientId, blocked, reason, actor);
    if (client) return client;
    const existing = await get(clientId);
    throw new DomainError(ErrorCode.INVALID_STATE_TRANSITION, `client ${clientId} is ${existing.status}`, {
      from: existing.status,
      action: blocked ? 'block' : 'unblock',
    });
  }

  /**
   * The onboarding provider's callback: the client and one current account per currency, in one
   * transaction, idempotent on externalId (a repeat with other fields is EXISTS_WITH_DIFFERENT_FIELDS).
   */
  async function onboard(request: OnboardingRequest): Promise<{ client: ClientRow; accounts: AccountRow[]; created: boolean }> {
    const currencies = [...new Set(request.currencies)].sort();
    for (const currency of currencies) requireLedgerCurrency(currency, 'currencies');
    const { currencies: _, ...fields } = request;
    return sql.begin(async (tx) => {
      const { client, created } = await insertClient(tx, { id: newId(), ...fields });
      if (created) {
        const accounts: AccountRow[] = [];
        for (const currency of currencies) {
          const accountNumber = await nextAccountNumber(tx);
          accounts.push(
            await createAccount(tx, {
              id: newId(),
              clientId: client.id,
              currency,
              kind: 'client',
              purpose: 'current',
              name: `Current ${currency}`,
              accountNumber,
              iban: ibanFor(iban, accountNumber),
            }),
          );
        }
        return { client, accounts, created };
      }
      const accounts = await accountsOfClient(tx, client.id);
      const same =
        (['type', 'firstName', 'lastName', 'companyName', 'email', 'phone', 'country'] as const).every((f) => client[f] === fields[f]) &&
        JSON.stringify([...new Set(accounts.map((a) => a.currency))].sort()) === JSON.stringify(currencies);
      if (!same) {
        throw new DomainError(ErrorCode.EXISTS_WITH_DIFFERENT_FIELDS, `externalId ${request.externalId} was onboarded with other fields`, {
          id: client.id,
          field: 'externalId',
        });
      }
      return { client, accounts, created };
    });
  }

  /** The status with every block and unblock before it, oldest first. */
  async function status(clientId: string): Promise<{ client: ClientRow; history: StatusChangeRow[] }> {
    const client = await get(clientId);
    return { client, history: await statusHistoryOf(sql, clientId) };
  }

  return { create, get, list, update, setBlocked, status, onboard };
}

/** Limits name ledger currencies and hold plain decimals within each currency's precision. */
function checkLimits(limits: TransferLimits): void {
  for (const [currency, values] of Object.entries(limits)) {
    requireLedgerCurrency(currency, `limits.${currency}`);
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) parseAmount(value, currency, { field: `limits.${currency}.${name}`, allowZero: true });
    }
  }
}

export type ClientUseCases = ReturnType<typeof createClientUseCases>;

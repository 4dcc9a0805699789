import { DomainError, ErrorCode, NotFoundError } from '../domain/errors';
import { newId } from '../domain/ids';
import { type Page, type PageRequest, toPage } from '../domain/paging';
import { type ClientFilter, type ClientRow, getClient, insertClient, listClients, type NewClient } from '../store/clients';
import type { UseCaseDeps } from './deps';

export type { ClientFilter };

/** A client as the back office registers it; the id is given here. */
export type NewClientRequest = Omit<NewClient, 'id'>;

/** Clients (the bank's customers), registered and looked up by the back office. */
export function createClientUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
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

  return { create, get, list };
}

export type ClientUseCases = ReturnType<typeof createClientUseCases>;

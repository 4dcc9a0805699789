import type { Sql } from '../ledger/db';
import { getClient } from '../store/clients';

/** What authentication asks of the bank: does a client token name one of its clients? */
export function createCallerChecks(sql: Sql) {
  return {
    async clientExists(clientId: string): Promise<boolean> {
      return (await getClient(sql, clientId)) !== undefined;
    },
  };
}

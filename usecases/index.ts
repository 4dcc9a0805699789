import { createAccountUseCases } from './accounts';
import { createCallerChecks } from './callers';
import { createClientUseCases } from './clients';
import { createConfirmationUseCases } from './confirmations';
import type { UseCaseDeps } from './deps';
import { createHealthUseCases } from './health';
import { createNotificationUseCases } from './notifications';
import { createPaymentUseCases } from './payments';
import { createRateLimiter } from './rateLimits';
import { createRecipientUseCases } from './recipients';
import { createStrandedHoldRepairs } from './strandedHolds';
import { createTransactionUseCases } from './transactions';
import { createTransferUseCases } from './transfers';

export type { UseCaseDeps };

/**
 * The application layer: one module per aggregate. Each use case takes typed input, applies the
 * business rules, calls the stores, the ledger and Temporal, and returns a domain value or throws a
 * DomainError. The HTTP edge (api/) only parses, calls one use case, and renders.
 */
export function createUseCases(deps: UseCaseDeps) {
  const transfers = createTransferUseCases(deps);
  return {
    payments: createPaymentUseCases(deps),
    transfers,
    confirmations: createConfirmationUseCases(deps, transfers),
    strandedHolds: createStrandedHoldRepairs(deps.sql),
    callers: createCallerChecks(deps.sql),
    rateLimits: createRateLimiter(deps.sql, deps.writeLimits),
    clients: createClientUseCases(deps),
    accounts: createAccountUseCases(deps),
    recipients: createRecipientUseCases(deps),
    transactions: createTransactionUseCases(deps),
    notifications: createNotificationUseCases(deps),
    health: createHealthUseCases(deps),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

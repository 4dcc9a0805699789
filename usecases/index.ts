import { localWebhookPolicy } from '../config/env';
import { createAccountUseCases } from './accounts';
import { createAuditUseCases } from './audit';
import { createBackOfficeUseCases } from './backOffice';
import { createCallerChecks } from './callers';
import { createClientAccountUseCases } from './clientAccounts';
import { createClientUseCases } from './clients';
import { createConfirmationUseCases } from './confirmations';
import { createDailyBalanceUseCases } from './dailyBalances';
import type { UseCaseDeps } from './deps';
import { createDocumentUseCases } from './documents';
import { createEventUseCases } from './events';
import { createFxTransferUseCases } from './fxTransfers';
import { createHealthUseCases } from './health';
import { createLedgerCheckUseCases } from './ledgerChecks';
import { createNotificationUseCases } from './notifications';
import { createPaymentUseCases } from './payments';
import { createRateLimiter } from './rateLimits';
import { createRecipientUseCases } from './recipients';
import { createReportUseCases } from './reports';
import { createStatementUseCases } from './statements';
import { createStrandedHoldRepairs } from './strandedHolds';
import { createTransactionUseCases } from './transactions';
import { createTransferUseCases } from './transfers';
import { createWebhookUseCases } from './webhooks';

export type { UseCaseDeps };

/**
 * The application layer: one module per aggregate. Each use case takes typed input, applies the
 * business rules, calls the stores, the ledger and Temporal, and returns a domain value or throws a
 * DomainError. The HTTP edge (api/) only parses, calls one use case, and renders.
 */
export function createUseCases(deps: UseCaseDeps) {
  const transfers = createTransferUseCases(deps);
  const documents = createDocumentUseCases(deps, transfers);
  const accounts = createAccountUseCases(deps);
  const payments = createPaymentUseCases(deps);
  return {
    payments,
    backOffice: createBackOfficeUseCases(deps, payments),
    transfers,
    fxTransfers: createFxTransferUseCases(deps, transfers, documents),
    documents,
    confirmations: createConfirmationUseCases(deps, transfers),
    strandedHolds: createStrandedHoldRepairs(deps.sql, deps.temporal),
    audit: createAuditUseCases(deps),
    callers: createCallerChecks(deps.sql),
    rateLimits: createRateLimiter(deps.sql, deps.writeLimits),
    clients: createClientUseCases(deps),
    accounts,
    clientAccounts: createClientAccountUseCases(deps, accounts, deps.notifier),
    recipients: createRecipientUseCases(deps),
    transactions: createTransactionUseCases(deps),
    statements: createStatementUseCases(deps),
    dailyBalances: createDailyBalanceUseCases(deps),
    ledgerChecks: createLedgerCheckUseCases(deps),
    reports: createReportUseCases(deps),
    notifications: createNotificationUseCases(deps),
    events: createEventUseCases(deps),
    webhooks: createWebhookUseCases({ ...deps, webhooks: deps.webhooks ?? localWebhookPolicy() }),
    health: createHealthUseCases(deps),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;

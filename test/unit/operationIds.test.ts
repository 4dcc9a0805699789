import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/**
 * operationIds are the method names of every generated client (Python, Go, Java, TypeScript):
 * renaming one breaks the code of every client developer. This list is a deliberate copy of
 * api/operationIds.ts as published in docs/openapi.json: add a line for a new operation, never
 * change or remove one without a deprecation.
 */
const STABLE: [string, string][] = [
  ['GET /health', 'getHealth'],
  ['GET /health/live', 'getLiveness'],
  ['GET /health/ready', 'getReadiness'],
  ['POST /internal/Clients', 'createClient'],
  ['GET /internal/Clients', 'listClients'],
  ['GET /internal/Clients/{clientId}', 'getClient'],
  ['PUT /internal/Clients/{clientId}', 'updateClient'],
  ['PUT /internal/Clients/{clientId}/block', 'blockClient'],
  ['PUT /internal/Clients/{clientId}/unblock', 'unblockClient'],
  ['GET /internal/Clients/{clientId}/status', 'getClientStatus'],
  ['GET /Client', 'getMyProfile'],
  ['POST /internal/Onboarding/completed', 'completeOnboarding'],
  ['PUT /internal/Accounts/{accountId}/block', 'blockAccount'],
  ['PUT /internal/Accounts/{accountId}/unblock', 'unblockAccount'],
  ['POST /Accounts', 'openAccount'],
  ['GET /Accounts', 'listMyAccounts'],
  ['GET /Accounts/{accountId}', 'getMyAccount'],
  ['PATCH /Accounts/{accountId}', 'renameAccount'],
  ['DELETE /Accounts/{accountId}', 'closeAccount'],
  ['PUT /Accounts/reorder-accounts', 'reorderAccounts'],
  ['POST /Accounts/send-otp', 'sendAccountOtp'],
  ['POST /Accounts/otp-verification', 'verifyAccountOtp'],
  ['POST /v2/internal/Accounts', 'createAccount'],
  ['GET /v2/ledger/internal/Accounts/getAggregatedAmounts', 'getAggregatedAmounts'],
  ['GET /v2/ledger/internal/Accounts/{accountId}', 'getLedgerAccount'],
  ['POST /v2/ledger/internal/Accounts/search', 'searchAccounts'],
  ['POST /v2/internal/Accounts/recalculate', 'recalculateAccounts'],
  ['POST /internal/Accounts/calculateBalances', 'calculateBalances'],
  ['GET /internal/Transactions/report', 'getAccountStatement'],
  ['GET /internal/Transactions/report.csv', 'getAccountStatementCsv'],
  ['GET /internal/Transactions', 'listTransactions'],
  ['POST /internal/Transactions/query', 'queryTransactions'],
  ['GET /internal/Transactions/{transactionId}', 'getTransaction'],
  ['POST /internal/Payments', 'createPayment'],
  ['GET /internal/Payments', 'listPayments'],
  ['POST /internal/Payments/draft', 'createDraftPayment'],
  ['POST /internal/Payments/{paymentId}/pend', 'pendPayment'],
  ['POST /internal/Payments/{paymentId}/post', 'postPayment'],
  ['POST /internal/Payments/{paymentId}/cancel', 'cancelPayment'],
  ['GET /internal/Payments/{paymentId}', 'getPayment'],
  ['POST /internal/Payments/{paymentId}/reverse', 'reversePayment'],
  ['GET /internal/Approvals', 'listApprovals'],
  ['GET /internal/Approvals/{approvalId}', 'getApproval'],
  ['POST /internal/Approvals/{approvalId}/approve', 'approveApproval'],
  ['POST /internal/Approvals/{approvalId}/reject', 'rejectApproval'],
  ['POST /internal/Transfers/outgoing/{transferId}/returned', 'reportReturnedTransfer'],
  ['POST /Recipients', 'createRecipient'],
  ['GET /Recipients', 'listRecipients'],
  ['GET /Recipients/{recipientId}', 'getRecipient'],
  ['PUT /Recipients/{recipientId}/visibility', 'setRecipientVisibility'],
  ['GET /internal/Recipients', 'listSystemRecipients'],
  ['GET /internal/Recipients/{recipientId}', 'getSystemRecipient'],
  ['GET /Transfers/type', 'getTransferRoute'],
  ['POST /Transfers/outgoing', 'createOutgoingTransfer'],
  ['PUT /Transfers/outgoing/{transferId}/confirm', 'confirmOutgoingTransfer'],
  ['DELETE /Transfers/outgoing/{transferId}', 'cancelOutgoingTransfer'],
  ['GET /Transfers/outgoing/{transferId}', 'getOutgoingTransfer'],
  ['GET /Transfers/{transferId}', 'getTransfer'],
  ['GET /Transfers/incoming/{transferId}', 'getIncomingTransfer'],
  ['GET /Transfers', 'listTransfers'],
  ['POST /Transfers/fx', 'createFxTransfer'],
  ['GET /Transfers/fx/{transferId}', 'getFxTransfer'],
  ['DELETE /Transfers/fx/{transferId}', 'cancelFxTransfer'],
  ['PUT /Transfers/fx/{transferId}/confirm', 'confirmFxTransfer'],
  ['POST /Transfers/{transferId}/Documents', 'uploadTransferDocument'],
  ['GET /Transfers/{transferId}/Documents', 'listTransferDocuments'],
  ['GET /internal/Transfers/{transferId}/Documents', 'listSystemTransferDocuments'],
  ['GET /Transfers/{transferId}/Documents/{documentId}', 'downloadTransferDocument'],
  ['GET /internal/Transfers/{transferId}/Documents/{documentId}', 'downloadSystemTransferDocument'],
  ['POST /internal/Clients/{clientId}/Documents', 'uploadClientDocument'],
  ['GET /internal/Clients/{clientId}/Documents', 'listClientDocuments'],
  ['GET /internal/Clients/{clientId}/Documents/{documentId}', 'downloadClientDocument'],
  ['GET /Confirmations/{confirmationId}', 'getConfirmation'],
  ['POST /Confirmations/{confirmationId}/resend', 'resendConfirmation'],
  ['GET /internal/Transfers', 'listSystemTransfers'],
  ['GET /internal/Transfers/outgoing', 'listSystemOutgoingTransfers'],
  ['GET /internal/Transfers/incoming', 'listSystemIncomingTransfers'],
  ['GET /internal/Transfers/fx', 'listSystemFxTransfers'],
  ['GET /internal/Transfers/outgoing/{transferId}', 'getSystemOutgoingTransfer'],
  ['GET /internal/Transfers/incoming/{transferId}', 'getSystemIncomingTransfer'],
  ['GET /internal/Transfers/fx/{transferId}', 'getSystemFxTransfer'],
  ['POST /internal/IncomingRequests', 'receiveIncomingTransfer'],
  ['POST /internal/Transfers/incoming/{transferId}/assign', 'assignIncomingTransfer'],
  ['POST /internal/Transfers/incoming/{transferId}/return', 'returnIncomingTransfer'],
  ['POST /internal/Transfers/outgoing/{transferId}/execute', 'executeOutgoingTransfer'],
  ['POST /internal/Transfers/outgoing/{transferId}/continue', 'continueOutgoingTransfer'],
  ['GET /internal/Notifications', 'listNotifications'],
  ['GET /internal/Holds/stranded', 'listStrandedHolds'],
  ['POST /internal/Holds/{pendingId}/release', 'releaseHold'],
  ['GET /internal/AuditLog', 'listAuditLog'],
  ['POST /internal/DailyAccountBalance', 'snapshotDailyBalances'],
  ['GET /internal/DailyAccountBalance', 'listDailyBalances'],
  ['POST /internal/DailyAccountBalance/recalculate', 'recalculateDailyBalances'],
  ['POST /internal/DailyCheck', 'startDailyCheck'],
  ['GET /internal/DailyCheck', 'listChecks'],
  ['GET /internal/DailyCheck/details', 'getCheckDetails'],
  ['POST /internal/BackgroundJob/AccountBalanceCheckJob', 'startAccountBalanceCheck'],
  ['GET /internal/Reports/ReconciliationReport', 'getReconciliationReport'],
  ['GET /internal/TreasuryManagement/summary', 'getTreasurySummary'],
  ['GET /BaasProvider/available-currencies', 'listProviderCurrencies'],
  ['GET /internal/Events', 'listEvents'],
  ['GET /internal/Events/{eventId}', 'getEvent'],
  ['POST /internal/WebhookEndpoints', 'createWebhookEndpoint'],
  ['GET /internal/WebhookEndpoints', 'listWebhookEndpoints'],
  ['GET /internal/WebhookEndpoints/{endpointId}', 'getWebhookEndpoint'],
  ['PATCH /internal/WebhookEndpoints/{endpointId}', 'updateWebhookEndpoint'],
  ['DELETE /internal/WebhookEndpoints/{endpointId}', 'deleteWebhookEndpoint'],
  ['POST /internal/WebhookEndpoints/{endpointId}/rotate-secret', 'rotateWebhookSecret'],
  ['POST /internal/WebhookEndpoints/{endpointId}/test', 'sendTestWebhook'],
  ['GET /internal/WebhookEndpoints/{endpointId}/deliveries', 'listWebhookDeliveries'],
  ['POST /internal/WebhookEndpoints/{endpointId}/redeliver', 'redeliverWebhooks'],
];

describe('operationIds', () => {
  it('are the published ones, and none changed', async () => {
    const doc = JSON.parse(await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const published = new Map<string, string | undefined>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) published.set(`${method.toUpperCase()} ${path}`, op.operationId);
    }
    for (const [operation, id] of STABLE) expect(published.get(operation), operation).toBe(id);
    const unknown = [...published.keys()].filter((operation) => !STABLE.some(([o]) => o === operation));
    expect(unknown, 'a new operation: add its operationId to STABLE').toEqual([]);
  });

  it('are verb + noun, camelCase, and unique', () => {
    const ids = STABLE.map(([, id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(
        /^(get|list|create|update|open|close|rename|reorder|send|verify|search|recalculate|calculate|query|pend|post|cancel|set|confirm|upload|download|resend|receive|assign|return|execute|continue|release|snapshot|start|block|unblock|complete|delete|rotate|redeliver|reverse|approve|reject|report)[A-Z][A-Za-z]*$/,
      );
  });
});

/**
 * The operationId of every documented operation, by `METHOD path`: the method names of every
 * generated client (Python, Go, Java, TypeScript...). They are public API: never rename one (a
 * client's code stops compiling), only add. Verb + noun in the FinLego vocabulary; the system and
 * ops variants of a client operation say so (`getSystemTransfer`). api/docs.ts sets them, and
 * refuses to serve a document with an operation missing from this table.
 * test/unit/operationIds.test.ts holds a copy of the list and fails when one changes.
 */
export const OPERATION_IDS: Readonly<Record<string, string>> = {
  'GET /health': 'getHealth',
  'GET /health/live': 'getLiveness',
  'GET /health/ready': 'getReadiness',

  'POST /internal/Clients': 'createClient',
  'GET /internal/Clients': 'listClients',
  'GET /internal/Clients/{clientId}': 'getClient',
  'PUT /internal/Clients/{clientId}': 'updateClient',
  'PUT /internal/Clients/{clientId}/block': 'blockClient',
  'PUT /internal/Clients/{clientId}/unblock': 'unblockClient',
  'GET /internal/Clients/{clientId}/status': 'getClientStatus',
  'GET /Client': 'getMyProfile',
  'POST /internal/Onboarding/completed': 'completeOnboarding',

  'PUT /internal/Accounts/{accountId}/block': 'blockAccount',
  'PUT /internal/Accounts/{accountId}/unblock': 'unblockAccount',
  'POST /Accounts': 'openAccount',
  'GET /Accounts': 'listMyAccounts',
  'GET /Accounts/{accountId}': 'getMyAccount',
  'PATCH /Accounts/{accountId}': 'renameAccount',
  'DELETE /Accounts/{accountId}': 'closeAccount',
  'PUT /Accounts/reorder-accounts': 'reorderAccounts',
  'POST /Accounts/send-otp': 'sendAccountOtp',
  'POST /Accounts/otp-verification': 'verifyAccountOtp',
  'POST /v2/internal/Accounts': 'createAccount',
  'GET /v2/ledger/internal/Accounts/getAggregatedAmounts': 'getAggregatedAmounts',
  'GET /v2/ledger/internal/Accounts/{accountId}': 'getLedgerAccount',
  'POST /v2/ledger/internal/Accounts/search': 'searchAccounts',
  'POST /v2/internal/Accounts/recalculate': 'recalculateAccounts',
  'POST /internal/Accounts/calculateBalances': 'calculateBalances',

  'GET /internal/Transactions/report': 'getAccountStatement',
  'GET /internal/Transactions/report.csv': 'getAccountStatementCsv',
  'GET /internal/Transactions': 'listTransactions',
  'POST /internal/Transactions/query': 'queryTransactions',
  'GET /internal/Transactions/{transactionId}': 'getTransaction',

  'POST /internal/Payments': 'createPayment',
  'GET /internal/Payments': 'listPayments',
  'POST /internal/Payments/draft': 'createDraftPayment',
  'POST /internal/Payments/{paymentId}/pend': 'pendPayment',
  'POST /internal/Payments/{paymentId}/post': 'postPayment',
  'POST /internal/Payments/{paymentId}/cancel': 'cancelPayment',
  'GET /internal/Payments/{paymentId}': 'getPayment',
  'POST /internal/Payments/{paymentId}/reverse': 'reversePayment',
  'GET /internal/Approvals': 'listApprovals',
  'GET /internal/Approvals/{approvalId}': 'getApproval',
  'POST /internal/Approvals/{approvalId}/approve': 'approveApproval',
  'POST /internal/Approvals/{approvalId}/reject': 'rejectApproval',
  'POST /internal/Transfers/outgoing/{transferId}/returned': 'reportReturnedTransfer',

  'POST /Recipients': 'createRecipient',
  'GET /Recipients': 'listRecipients',
  'GET /Recipients/{recipientId}': 'getRecipient',
  'PUT /Recipients/{recipientId}/visibility': 'setRecipientVisibility',
  'GET /internal/Recipients': 'listSystemRecipients',
  'GET /internal/Recipients/{recipientId}': 'getSystemRecipient',

  'GET /Transfers/type': 'getTransferRoute',
  'POST /Transfers/outgoing': 'createOutgoingTransfer',
  'PUT /Transfers/outgoing/{transferId}/confirm': 'confirmOutgoingTransfer',
  'DELETE /Transfers/outgoing/{transferId}': 'cancelOutgoingTransfer',
  'GET /Transfers/outgoing/{transferId}': 'getOutgoingTransfer',
  'GET /Transfers/{transferId}': 'getTransfer',
  'GET /Transfers/incoming/{transferId}': 'getIncomingTransfer',
  'GET /Transfers': 'listTransfers',
  'POST /Transfers/fx': 'createFxTransfer',
  'GET /Transfers/fx/{transferId}': 'getFxTransfer',
  'DELETE /Transfers/fx/{transferId}': 'cancelFxTransfer',
  'PUT /Transfers/fx/{transferId}/confirm': 'confirmFxTransfer',

  'POST /Transfers/{transferId}/Documents': 'uploadTransferDocument',
  'GET /Transfers/{transferId}/Documents': 'listTransferDocuments',
  'GET /internal/Transfers/{transferId}/Documents': 'listSystemTransferDocuments',
  'GET /Transfers/{transferId}/Documents/{documentId}': 'downloadTransferDocument',
  'GET /internal/Transfers/{transferId}/Documents/{documentId}': 'downloadSystemTransferDocument',
  'POST /internal/Clients/{clientId}/Documents': 'uploadClientDocument',
  'GET /internal/Clients/{clientId}/Documents': 'listClientDocuments',
  'GET /internal/Clients/{clientId}/Documents/{documentId}': 'downloadClientDocument',

  'GET /Confirmations/{confirmationId}': 'getConfirmation',
  'POST /Confirmations/{confirmationId}/resend': 'resendConfirmation',

  'GET /internal/Transfers': 'listSystemTransfers',
  'GET /internal/Transfers/outgoing': 'listSystemOutgoingTransfers',
  'GET /internal/Transfers/incoming': 'listSystemIncomingTransfers',
  'GET /internal/Transfers/fx': 'listSystemFxTransfers',
  'GET /internal/Transfers/outgoing/{transferId}': 'getSystemOutgoingTransfer',
  'GET /internal/Transfers/incoming/{transferId}': 'getSystemIncomingTransfer',
  'GET /internal/Transfers/fx/{transferId}': 'getSystemFxTransfer',
  'POST /internal/IncomingRequests': 'receiveIncomingTransfer',
  'POST /internal/Transfers/incoming/{transferId}/assign': 'assignIncomingTransfer',
  'POST /internal/Transfers/incoming/{transferId}/return': 'returnIncomingTransfer',
  'POST /internal/Transfers/outgoing/{transferId}/execute': 'executeOutgoingTransfer',
  'POST /internal/Transfers/outgoing/{transferId}/continue': 'continueOutgoingTransfer',

  'GET /internal/Notifications': 'listNotifications',
  'GET /internal/Holds/stranded': 'listStrandedHolds',
  'POST /internal/Holds/{pendingId}/release': 'releaseHold',
  'GET /internal/AuditLog': 'listAuditLog',

  'POST /internal/DailyAccountBalance': 'snapshotDailyBalances',
  'GET /internal/DailyAccountBalance': 'listDailyBalances',
  'POST /internal/DailyAccountBalance/recalculate': 'recalculateDailyBalances',
  'POST /internal/DailyCheck': 'startDailyCheck',
  'GET /internal/DailyCheck': 'listChecks',
  'GET /internal/DailyCheck/details': 'getCheckDetails',
  'POST /internal/BackgroundJob/AccountBalanceCheckJob': 'startAccountBalanceCheck',

  'GET /internal/Reports/ReconciliationReport': 'getReconciliationReport',
  'GET /internal/TreasuryManagement/summary': 'getTreasurySummary',
  'GET /BaasProvider/available-currencies': 'listProviderCurrencies',

  'GET /internal/Events': 'listEvents',
  'GET /internal/Events/{eventId}': 'getEvent',
  'POST /internal/WebhookEndpoints': 'createWebhookEndpoint',
  'GET /internal/WebhookEndpoints': 'listWebhookEndpoints',
  'GET /internal/WebhookEndpoints/{endpointId}': 'getWebhookEndpoint',
  'PATCH /internal/WebhookEndpoints/{endpointId}': 'updateWebhookEndpoint',
  'DELETE /internal/WebhookEndpoints/{endpointId}': 'deleteWebhookEndpoint',
  'POST /internal/WebhookEndpoints/{endpointId}/rotate-secret': 'rotateWebhookSecret',
  'POST /internal/WebhookEndpoints/{endpointId}/test': 'sendTestWebhook',
  'GET /internal/WebhookEndpoints/{endpointId}/deliveries': 'listWebhookDeliveries',
  'POST /internal/WebhookEndpoints/{endpointId}/redeliver': 'redeliverWebhooks',
};

/** The operationId of an operation; throws for one the table does not name (a new route must be given one). */
export function operationIdOf(method: string, path: string): string {
  const id = OPERATION_IDS[`${method.toUpperCase()} ${path}`];
  if (!id) throw new Error(`${method.toUpperCase()} ${path} has no operationId: add one to api/operationIds.ts`);
  return id;
}

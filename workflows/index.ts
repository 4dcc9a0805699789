// The workflow bundle's entry point: every workflow the worker runs.

export { approvalWorkflow } from './approval';
export { paymentReversalWorkflow, transferReturnWorkflow } from './corrections';
export { fxTransferWorkflow } from './fxTransfer';
export { housekeepingWorkflow } from './housekeeping';
export { incomingTransferWorkflow } from './incomingTransfer';
export { accountBalanceCheckWorkflow, dailyAccountBalanceWorkflow, dailyCheckWorkflow } from './ledgerOperations';
export { outgoingTransferWorkflow } from './outgoingTransfer';
export { paymentWorkflow } from './payment';
export { webhookEndpointWorkflow } from './webhookEndpoint';

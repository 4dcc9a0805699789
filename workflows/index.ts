// The workflow bundle's entry point: every workflow the worker runs.

export { housekeepingWorkflow } from './housekeeping';
export { incomingTransferWorkflow } from './incomingTransfer';
export { outgoingTransferWorkflow } from './outgoingTransfer';
export { paymentWorkflow } from './payment';

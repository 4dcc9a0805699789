// The workflow bundle's entry point: every workflow the worker runs.

export { incomingTransferWorkflow } from './incomingTransfer';
export { outgoingTransferWorkflow } from './outgoingTransfer';
export { paymentWorkflow } from './payment';

/** The workflow id of an endpoint's delivery workflow: one per endpoint (the API starts it, the worker restarts it). */
export const webhookEndpointWorkflowId = (endpointId: string) => `webhook-endpoint-${endpointId}`;

import { validate as isUuid, v5 as uuidv5, v7 as uuidv7 } from 'uuid';

export { isUuid };

/** A new time-ordered id (UUID v7). */
export function newId(): string {
  return uuidv7();
}

// Namespace for ids derived from other ids; fixed forever, since derived ids are stored.
const DERIVED_ID_NAMESPACE = '1f0b5a3e-7c2d-4e8a-9b61-3d4c5e6f7a80';

/**
 * A deterministic UUID (v5) from a stable name, such as a workflow id plus a step name.
 * Activities use it for ledger entry ids so a retried activity writes the same entry.
 */
export function derivedId(...parts: string[]): string {
  return uuidv5(parts.join('/'), DERIVED_ID_NAMESPACE);
}

export const paymentWorkflowId = (paymentId: string) => `payment-${paymentId}`;
export const transferWorkflowId = (transferId: string) => `transfer-${transferId}`;

import { DEFAULT_DOCUMENT_POLICY } from '../config/env';
import { minorUnits } from '../domain/currency';
import { DomainError, ErrorCode } from '../domain/errors';
import { decimalToMinor } from '../domain/money';
import { transferHasDocument } from '../store/documents';
import type { TransferRow } from '../store/transfers';
import type { UseCaseDeps } from './deps';

/** 422 DOCUMENT_REQUIRED for a transfer at or above the threshold (in its currency) without a document. */
export function createDocumentRequirement(deps: Pick<UseCaseDeps, 'sql' | 'documents'>) {
  const policy = deps.documents ?? DEFAULT_DOCUMENT_POLICY;
  return async function requireDocumentFor(transfer: Pick<TransferRow, 'id' | 'amount' | 'currency'>): Promise<void> {
    const threshold = decimalToMinor(policy.threshold, minorUnits(transfer.currency), 'up');
    if (threshold === undefined || transfer.amount < threshold) return;
    if (await transferHasDocument(deps.sql, transfer.id)) return;
    throw new DomainError(
      ErrorCode.DOCUMENT_REQUIRED,
      `a transfer of ${policy.threshold} ${transfer.currency} or more needs a supporting document before it is confirmed`,
      { threshold: policy.threshold },
    );
  };
}

import type { Sql } from '../ledger/db';

export interface ProviderPayment {
  transferId: string;
  amountMinor: bigint;
  currency: string;
  reference: string | null;
  recipient: Record<string, unknown>;
}

/** An incoming payment sent back to the sender's bank. */
export interface ProviderReturn {
  transferId: string;
  /** The provider's reference of the incoming payment being returned. */
  originalReference: string;
  amountMinor: bigint;
  currency: string;
  reason: string;
}

export type ProviderDecision = { status: 'pending' } | { status: 'accepted' } | { status: 'rejected'; reason: string };

/** The bank partner that carries outgoing payments. Tests and local runs use the sandbox below. */
export interface PaymentProvider {
  /** Idempotent per transferId. Throws when the partner does not answer (a retryable fault). */
  submit(payment: ProviderPayment): Promise<{ providerReference: string }>;
  /** The partner answers asynchronously; this polls for its decision. */
  decision(providerReference: string): Promise<ProviderDecision>;
  /** Sends an incoming payment back; idempotent per transferId. Throws when the partner does not answer. */
  returnPayment(payment: ProviderReturn): Promise<{ providerReference: string }>;
}

export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
}

export interface SandboxOptions {
  /** How long the sandbox takes to decide a payment. */
  decisionDelayMs: number;
}

/**
 * A sandbox partner bank that behaves like a real one: it accepts a payment, decides it
 * asynchronously, and has deterministic failure modes chosen by the transfer's reference:
 *  - `REJECT` anywhere in it: rejected by the beneficiary bank;
 *  - `TIMEOUT`: never answers a submission (the transfer becomes Stuck);
 *  - `FAIL<n>` (for example FAIL5): the first n submissions time out, then it works;
 *  - anything else: accepted after decisionDelayMs.
 * Its book is a table of its own (sandbox_provider_payments), as a partner's would be.
 */
export function createSandboxProvider(sql: Sql, options: SandboxOptions): PaymentProvider {
  return {
    async submit(payment) {
      const reference = (payment.reference ?? '').toUpperCase();
      const providerReference = `SBX-${payment.transferId}`;
      const rejected = reference.includes('REJECT');
      const [row] = await sql<[{ submitAttempts: number }]>`
        INSERT INTO sandbox_provider_payments (transfer_id, provider_reference, reference, amount, currency, status, reason, decide_at)
        VALUES (${payment.transferId}, ${providerReference}, ${payment.reference}, ${payment.amountMinor}, ${payment.currency},
                ${rejected ? 'rejected' : 'accepted'}, ${rejected ? 'rejected by the beneficiary bank (sandbox)' : null},
                now() + ${options.decisionDelayMs} * interval '1 millisecond')
        ON CONFLICT (transfer_id) DO UPDATE SET submit_attempts = sandbox_provider_payments.submit_attempts + 1,
          decide_at = now() + ${options.decisionDelayMs} * interval '1 millisecond'
        RETURNING submit_attempts`;
      const failures = /FAIL(\d+)/.exec(reference);
      if (reference.includes('TIMEOUT') || (failures && row.submitAttempts <= Number(failures[1]))) {
        throw new ProviderUnavailableError(`the sandbox provider did not answer (attempt ${row.submitAttempts})`);
      }
      return { providerReference };
    },
    async decision(providerReference) {
      const [row] = await sql<[{ status: 'accepted' | 'rejected'; reason: string | null; decided: boolean }?]>`
        SELECT status, reason, decide_at <= now() AS decided FROM sandbox_provider_payments WHERE provider_reference = ${providerReference}`;
      if (!row) throw new Error(`the sandbox provider does not know ${providerReference}`);
      if (!row.decided) return { status: 'pending' };
      return row.status === 'rejected' ? { status: 'rejected', reason: row.reason ?? 'rejected' } : { status: 'accepted' };
    },
    async returnPayment(payment) {
      // A book of its own: returns are not outgoing payments (the reconciliation reads the other table).
      const providerReference = `SBX-RET-${payment.transferId}`;
      await sql`
        INSERT INTO sandbox_provider_returns (transfer_id, provider_reference, original_reference, amount, currency, reason)
        VALUES (${payment.transferId}, ${providerReference}, ${payment.originalReference}, ${payment.amountMinor}, ${payment.currency},
                ${payment.reason})
        ON CONFLICT (transfer_id) DO NOTHING`;
      return { providerReference };
    },
  };
}

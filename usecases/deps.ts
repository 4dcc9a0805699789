import type { Client } from '@temporalio/client';
import type { TransferPolicy, WriteLimits } from '../config/env';
import type { Sql } from '../ledger/db';
import type { OtpPolicy } from '../store/confirmations';

/** What the use cases need: the one sql pool, the Temporal client, and the business settings. */
export interface UseCaseDeps {
  sql: Sql;
  temporal: Client;
  taskQueue: string;
  /** The longest a request waits for a workflow update before SERVICE_UNAVAILABLE. */
  workflowWaitMs: number;
  transferPolicy: TransferPolicy;
  /** To check a code again when a confirm finds the transfer already confirmed. */
  otp: OtpPolicy;
  /** Writes per caller and minute, by role. */
  writeLimits: WriteLimits;
}

import type { Client } from '@temporalio/client';
import type { BackOfficePolicy, DocumentPolicy, FxPolicy, TransferPolicy, WebhookPolicy, WriteLimits } from '../config/env';
import type { IbanPolicy } from '../domain/accountReference';
import type { OtpPolicy } from '../domain/otpPolicy';
import type { Sql } from '../ledger/db';
import type { DocumentStorage } from './documentStorage';
import type { Notifier } from './ports';
import type { RatesSource } from './rates';

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
  /** Country and bank code of the IBANs client accounts get. */
  iban: IbanPolicy;
  /** Sends account one-time codes (the same adapter the worker uses); none where it is not configured. */
  notifier?: Notifier;
  /** FX quotes (config/env.ts DEFAULT_FX_POLICY when unset) and where rates come from (the local table when unset). */
  fx?: FxPolicy;
  rates?: RatesSource;
  /** Documents (DEFAULT_DOCUMENT_POLICY when unset) and where their bytes go (a directory under documents.dir when unset). */
  documents?: DocumentPolicy;
  documentStorage?: DocumentStorage;
  /** Webhook endpoints: the key their secrets are stored under, URL rules, retry waits. */
  webhooks?: WebhookPolicy;
  /** Four-eyes thresholds and expiry, the returned-transfer fee policy (DEFAULT_BACK_OFFICE_POLICY when unset). */
  backOffice?: BackOfficePolicy;
}

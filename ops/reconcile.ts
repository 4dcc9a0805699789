import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { cancelUpdate, paymentStateQuery, pendUpdate, postUpdate } from '../contract/paymentMessages';
import { cancelTransferUpdate, continueTransferUpdate, executeTransferUpdate, transferStateQuery } from '../contract/transferMessages';
import { workflowEndedVia } from '../contract/workflowRuns';
import { paymentWorkflowId, transferWorkflowId } from '../domain/ids';
import { isTerminal, type PaymentStatus } from '../domain/payment';
import { isFinalTransferStatus, type TransferStatus } from '../domain/transfer';
import { checkInvariants, type InvariantReport } from '../ledger/checks';
import type { Sql } from '../ledger/db';
import { findStrandedHoldsEverywhere, type StrandedHold } from '../store/strandedHolds';
import { storedDocuments } from './documentsArchive';

/**
 * After a restore, Temporal may be behind the ledger (never ahead, when the restore-point rule
 * holds): a ledger step commits before its workflow records that it happened, so at any instant
 * some steps are in the ledger and not yet in their workflow's history. The reconciler compares
 * each open payment and transfer (its read model row, written in the same transaction as its
 * ledger entries) with its workflow, and:
 * - re-drives a workflow whose ledger effects are ahead by sending it the update that made them
 *   (same message, same derived entry ids, so the ledger is unchanged and the workflow catches up);
 * - waits for a workflow that catches up by itself (its own next step repeats the write);
 * - lists for ops what it cannot decide: Temporal ahead of the ledger (the rule was broken), a
 *   workflow missing, a confirmation only the client can give again, stranded holds, documents
 *   whose file is missing, and broken ledger invariants.
 */

export type Kind = 'payment' | 'transfer';

export interface Finding {
  kind: Kind;
  id: string;
  workflowId: string;
  /** Read model status, or null when there is no row. */
  ledger: string | null;
  /** The workflow's own status (its state query), or what Temporal says of the run. */
  temporal: string;
  /** What was done or what ops should do. */
  note: string;
}

export interface ReconcileReport {
  startedAt: string;
  finishedAt: string;
  /** Open payments and transfers looked at (read model or running workflow). */
  compared: { payments: number; transfers: number };
  /** Workflows sent the updates whose ledger effects were already there; they now agree. */
  repaired: Finding[];
  /** Workflows that were behind and caught up by themselves while we waited. */
  caughtUp: Finding[];
  /** What needs a person. */
  forOps: Finding[];
  strandedHolds: StrandedHold[];
  documents: { rows: number; missingFiles: string[]; unreferencedFiles: number } | null;
  invariants: InvariantReport;
  ok: boolean;
}

export interface ReconcileOptions {
  sql: Sql;
  temporal: Client;
  /** The document store's directory (local adapter); unset: documents are not checked. */
  documentsDir?: string;
  /** Only report (no updates sent). */
  dryRun?: boolean;
  /** Only these workflows (ids): one record an operator asks about, or a test's own. Default: every one. */
  only?: string[];
  /** How long workflows get to agree after the repairs (default 30 s). */
  settleMs?: number;
  log?: (line: string) => void;
}

const RECONCILER = 'reconciler';
const PAYMENT_ORDER: Record<PaymentStatus, number> = { Draft: 0, Pending: 1, Posted: 2, Cancelled: 2, Reversed: 3 };

interface Subject {
  kind: Kind;
  id: string;
  workflowId: string;
  row: { status: string; holdExpiresAt?: Date | null; cancelReason?: string | null; providerReference?: string | null } | null;
}

/** What Temporal says of one workflow: its state when it runs (and answers), else how the run ended. */
type Seen =
  | { run: 'running'; status: string | null }
  | { run: 'ended'; execution: string; status: string | null }
  | { run: 'missing' }
  | { run: 'unanswered'; error: string };

async function look(temporal: Client, subject: Subject): Promise<Seen> {
  const handle = temporal.workflow.getHandle(subject.workflowId);
  try {
    const { status } = await handle.describe();
    // Payments and transfers both answer the query `state` with `{ status }` (paymentStateQuery, transferStateQuery).
    const query = (subject.kind === 'payment' ? paymentStateQuery : transferStateQuery).name;
    if (status.name !== 'RUNNING') {
      // A closed workflow still answers queries from its history (a worker replays it).
      const state = await handle.query<{ status: string } | null>(query).catch(() => null);
      return { run: 'ended', execution: status.name, status: state?.status ?? null };
    }
    const state = await handle.query<{ status: string } | null>(query);
    return { run: 'running', status: state?.status ?? null };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { run: 'missing' };
    return { run: 'unanswered', error: (error as Error).message };
  }
}

const isFinal = (kind: Kind, status: string) =>
  kind === 'payment' ? isTerminal(status as PaymentStatus) : isFinalTransferStatus(status as TransferStatus);

/** How the two sides stand: agree, Temporal behind (with the updates that re-drive it, if any), or Temporal ahead. */
type Verdict =
  | { is: 'agree' }
  | { is: 'behind'; redrive: ((temporal: Client) => Promise<unknown>)[]; note: string }
  | { is: 'ahead'; note: string }
  | { is: 'ops'; note: string };

function judge(subject: Subject, seen: Seen): Verdict {
  const ledger = subject.row?.status ?? null;
  if (seen.run === 'unanswered') return { is: 'ops', note: `Temporal did not answer: ${seen.error}` };
  if (seen.run === 'missing') {
    return ledger === null || isFinal(subject.kind, ledger)
      ? { is: 'agree' }
      : {
          is: 'ops',
          note: 'no workflow in Temporal for an open record: Temporal was restored to before its start; its holds are listed as stranded',
        };
  }
  if (ledger === null) {
    // A workflow whose first step has not written yet is fine; one that says it wrote is ahead.
    return seen.status === null ? { is: 'agree' } : { is: 'ahead', note: 'the workflow recorded a step the ledger does not have' };
  }
  if (seen.run === 'ended') {
    // An ended run repeats nothing: a record it left open stays open for good.
    if (!isFinal(subject.kind, ledger))
      return { is: 'ahead', note: `the run ended (${seen.execution}) while the ledger still has it ${ledger}` };
    if (seen.status === ledger) return { is: 'agree' };
    return { is: 'ops', note: `the run ended (${seen.execution}) with status ${seen.status}, the ledger says ${ledger}` };
  }
  if (seen.status === ledger) return { is: 'agree' };
  if (seen.status === null) return { is: 'behind', redrive: [], note: 'the workflow has not recorded its first step yet; it repeats it' };
  return subject.kind === 'payment' ? judgePayment(subject, seen.status as PaymentStatus) : judgeTransfer(subject, seen.status);
}

function judgePayment(subject: Subject, wf: PaymentStatus): Verdict {
  const ledger = subject.row?.status as PaymentStatus;
  if (PAYMENT_ORDER[wf] >= PAYMENT_ORDER[ledger]) return { is: 'ahead', note: `the workflow is ${wf}, the ledger ${ledger}` };
  const handle = (t: Client) => t.workflow.getHandle(subject.workflowId);
  // Re-sent steps are the reconciler's in the audit log: the first caller's request was lost with the restore.
  const actor = { role: 'system' as const, sub: RECONCILER };
  const pend = (t: Client) =>
    handle(t).executeUpdate(pendUpdate, { args: [{ holdExpiresAt: subject.row?.holdExpiresAt?.toISOString() ?? null, actor }] });
  const post = (t: Client) => handle(t).executeUpdate(postUpdate, { args: [{ actor }] });
  const cancel = (t: Client) => handle(t).executeUpdate(cancelUpdate, { args: [{ reason: subject.row?.cancelReason ?? null, actor }] });
  if (ledger === 'Pending') return { is: 'behind', redrive: [pend], note: 're-sent pend' };
  if (ledger === 'Posted')
    return { is: 'behind', redrive: wf === 'Draft' ? [pend, post] : [post], note: `re-sent ${wf === 'Draft' ? 'pend, post' : 'post'}` };
  return { is: 'behind', redrive: [cancel], note: 're-sent cancel' };
}

function judgeTransfer(subject: Subject, wf: string): Verdict {
  const ledger = subject.row?.status as string;
  const handle = (t: Client) => t.workflow.getHandle(subject.workflowId);
  const ops = { actor: RECONCILER, note: 're-driven after a restore: the ledger had this step' };
  if (wf === 'PendingConfirmation' && ledger === 'Cancelled')
    return { is: 'behind', redrive: [(t) => handle(t).executeUpdate(cancelTransferUpdate)], note: 're-sent cancel' };
  if (wf === 'PendingConfirmation')
    return {
      is: 'ops',
      note: `the client's confirmation reached the ledger (${ledger}) but not Temporal, and only the client can give its code again: ask the client to confirm again (resend a code), or cancel the transfer`,
    };
  if (wf === 'Stuck' && ledger === 'Completed' && subject.row?.providerReference)
    return {
      is: 'behind',
      redrive: [
        (t) =>
          handle(t).executeUpdate(executeTransferUpdate, {
            args: [{ ...ops, providerReference: subject.row?.providerReference as string }],
          }),
      ],
      note: 're-sent execute',
    };
  if (wf === 'Stuck' && ledger === 'Processing')
    return { is: 'behind', redrive: [(t) => handle(t).executeUpdate(continueTransferUpdate, { args: [ops] })], note: 're-sent continue' };
  if (isFinal('transfer', wf)) return { is: 'ahead', note: `the workflow is ${wf}, the ledger ${ledger}` };
  // Confirmed or Processing: its own next steps (with the same entry ids) bring it to the ledger's status.
  return { is: 'behind', redrive: [], note: `the workflow is ${wf}: it goes on by itself` };
}

async function subjects(sql: Sql, temporal: Client): Promise<Subject[]> {
  const payments = await sql<{ id: string; status: string; holdExpiresAt: Date | null; cancelReason: string | null }[]>`
    SELECT id, status, hold_expires_at, cancel_reason FROM payments`;
  const transfers = await sql<{ id: string; status: string; providerReference: string | null }[]>`
    SELECT id, status, provider_reference FROM transfers`;
  const byWorkflow = new Map<string, Subject>();
  for (const row of payments)
    byWorkflow.set(paymentWorkflowId(row.id), { kind: 'payment', id: row.id, workflowId: paymentWorkflowId(row.id), row });
  for (const row of transfers)
    byWorkflow.set(transferWorkflowId(row.id), { kind: 'transfer', id: row.id, workflowId: transferWorkflowId(row.id), row });
  const open = [...byWorkflow.values()].filter((s) => s.row && !isFinal(s.kind, s.row.status));
  // Running workflows, whatever the read model says: a finished row may have a run that is behind,
  // and a run may exist without its row yet.
  const running: Subject[] = [];
  for await (const wf of temporal.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
    const known = byWorkflow.get(wf.workflowId);
    if (known) {
      if (known.row && isFinal(known.kind, known.row.status)) running.push(known);
      continue;
    }
    if (wf.workflowId.startsWith('payment-'))
      running.push({ kind: 'payment', id: wf.workflowId.slice('payment-'.length), workflowId: wf.workflowId, row: null });
    else if (wf.workflowId.startsWith('transfer-'))
      running.push({ kind: 'transfer', id: wf.workflowId.slice('transfer-'.length), workflowId: wf.workflowId, row: null });
  }
  return [...open, ...running];
}

const finding = (subject: Subject, seen: Seen, note: string): Finding => ({
  kind: subject.kind,
  id: subject.id,
  workflowId: subject.workflowId,
  ledger: subject.row?.status ?? null,
  temporal:
    seen.run === 'running'
      ? (seen.status ?? 'not started')
      : seen.run === 'ended'
        ? `${seen.execution}${seen.status ? ` (${seen.status})` : ''}`
        : seen.run,
  note,
});

/** Compares, repairs what it can, waits for the workflows to agree, then checks the ledger and documents. */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { sql, temporal } = options;
  const log = options.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const only = options.only ? new Set(options.only) : undefined;
  const all = (await subjects(sql, temporal)).filter((s) => !only || only.has(s.workflowId));
  log(`comparing ${all.length} open payments and transfers with their workflows`);
  const repaired: Finding[] = [];
  const caughtUp: Finding[] = [];
  const forOps: Finding[] = [];
  /** Behind, waiting to agree: with the note of what was done. */
  const waiting = new Map<Subject, string>();

  for (const subject of all) {
    const seen = await look(temporal, subject);
    const verdict = judge(subject, seen);
    if (verdict.is === 'agree') continue;
    if (verdict.is === 'ahead') {
      forOps.push(
        finding(subject, seen, `Temporal is ahead of the ledger (${verdict.note}): the restore-point rule was broken; decide by hand`),
      );
      continue;
    }
    if (verdict.is === 'ops') {
      forOps.push(finding(subject, seen, verdict.note));
      continue;
    }
    if (verdict.redrive.length > 0 && !options.dryRun) {
      try {
        for (const step of verdict.redrive) await step(temporal);
      } catch (error) {
        forOps.push(finding(subject, seen, `${verdict.note} failed: ${(error as Error).message}`));
        continue;
      }
    }
    waiting.set(subject, options.dryRun && verdict.redrive.length > 0 ? `would have ${verdict.note}` : verdict.note);
  }

  // The repaired and the self-healing ones must reach the ledger's status.
  const deadline = Date.now() + (options.settleMs ?? 30_000);
  while (waiting.size > 0) {
    for (const [subject, note] of waiting) {
      const seen = await look(temporal, subject);
      if (judge(subject, seen).is !== 'agree') continue;
      waiting.delete(subject);
      (note.startsWith('re-sent') ? repaired : caughtUp).push(finding(subject, seen, note));
    }
    if (waiting.size === 0 || Date.now() > deadline || options.dryRun) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const [subject, note] of waiting) {
    forOps.push(finding(subject, await look(temporal, subject), `still behind the ledger after ${note}`));
  }

  const strandedHolds = await findStrandedHoldsEverywhere(sql, workflowEndedVia(temporal), { limit: 1000 });
  const documents = options.documentsDir === undefined ? null : await checkDocuments(sql, options.documentsDir);
  const invariants = await checkInvariants(sql);
  const ok = forOps.length === 0 && strandedHolds.length === 0 && (documents?.missingFiles.length ?? 0) === 0 && invariants.ok;
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    compared: { payments: all.filter((s) => s.kind === 'payment').length, transfers: all.filter((s) => s.kind === 'transfer').length },
    repaired,
    caughtUp,
    forOps,
    strandedHolds,
    documents,
    invariants,
    ok,
  };
}

async function checkDocuments(sql: Sql, dir: string): Promise<NonNullable<ReconcileReport['documents']>> {
  const rows = await sql<{ storageKey: string }[]>`SELECT storage_key FROM documents`;
  const files = new Set(await storedDocuments(dir));
  const keys = new Set(rows.map((r) => r.storageKey));
  return {
    rows: rows.length,
    missingFiles: rows.filter((r) => !files.has(r.storageKey)).map((r) => r.storageKey),
    unreferencedFiles: [...files].filter((f) => !keys.has(f)).length,
  };
}

/** The report for people: counts, then every finding on its own line. */
export function formatReport(report: ReconcileReport): string {
  const lines = [
    `reconciled ${report.startedAt} .. ${report.finishedAt}: ${report.ok ? 'OK' : 'NEEDS OPS'}`,
    `compared: ${report.compared.payments} payments, ${report.compared.transfers} transfers (open in the ledger or running in Temporal)`,
    `repaired (re-driven, now agree): ${report.repaired.length}`,
    ...report.repaired.map(line),
    `caught up by themselves: ${report.caughtUp.length}`,
    ...report.caughtUp.map(line),
    `for ops: ${report.forOps.length}`,
    ...report.forOps.map(line),
    `stranded holds: ${report.strandedHolds.length}${report.strandedHolds.length ? ' (release: POST /internal/Holds/{pendingId}/release)' : ''}`,
    ...report.strandedHolds.map(
      (h) =>
        `  ${h.pendingId} ${h.amount} minor ${h.currency} of ${h.paymentId ? `payment ${h.paymentId}` : `transfer ${h.transferId}`} (${h.ownerStatus})`,
    ),
    report.documents
      ? `documents: ${report.documents.rows} rows, ${report.documents.missingFiles.length} missing files${report.documents.missingFiles.length ? ` (${report.documents.missingFiles.join(', ')})` : ''}, ${report.documents.unreferencedFiles} files without a row (left in place)`
      : 'documents: not checked (no DOCUMENTS_DIR)',
    `ledger invariants: ${report.invariants.ok ? 'hold' : `BROKEN ${JSON.stringify(report.invariants, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`}`,
  ];
  return lines.join('\n');
}

function line(f: Finding): string {
  return `  ${f.kind} ${f.id}: ledger ${f.ledger ?? 'no row'}, Temporal ${f.temporal}: ${f.note}`;
}

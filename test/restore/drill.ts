import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { issueToken } from '../../api/auth';
import { LOCAL_JWT_SECRET } from '../../config/env';
import { freePort } from '../../dev/ports';
import { type RunningPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import { NO_DRAIN_ENV } from '../../dev/processes';
import { findOrBuildTemporalServer } from '../../dev/temporalServerBinaries';
import { freeServerPorts, startTemporalSqlServer, type TemporalSqlServer } from '../../dev/temporalSqlServer';
import { checkInvariants, formatInvariantReport } from '../../ledger/checks';
import { createSql } from '../../ledger/db';
import { migrate } from '../../ledger/migrate';
import { backUpDocuments } from '../../ops/documentsArchive';
import { archivingFlags, flushWalToArchive, prepareBackupDir, takeBaseBackup } from '../../ops/postgresArchive';
import { formatReport, reconcile } from '../../ops/reconcile';
import { restoreTo } from '../../ops/restore';
import { bundleWorkflows } from '../../worker/createWorker';
import { ensureSearchAttributes } from '../../worker/searchAttributes';
import { type Supervised, supervise } from '../faults/supervisor';
import { customerToken, type TransferCustomer, transferScenario } from '../faults/transfers';
import { createClient, type RequestRecord, read } from '../faults/workload';

/**
 * `npm run test:restore`: the restore drill. The cluster profile's shape on free ports (one
 * PostgreSQL archiving its WAL, holding the ledger and the Temporal server's databases; the
 * Temporal server; a worker; the API) runs a workload of payments, transfers and document
 * uploads; a base backup is taken while it runs, and it goes on for a while. Then the disaster:
 * everything stops, the data directory and the document store are lost. The restore goes back to
 * the backup point, the stack starts again, the reconciler runs, and the drill checks that the
 * ledger invariants hold, that every answer the clients got before the restore point is still
 * true (same status, the same answer replayed for its Idempotency-Key), that nothing needs ops
 * that the rule should have prevented, and that the bank takes new work.
 */
const CLIENTS = 3;
const BEFORE_BACKUP_MS = Number(process.env.DRILL_BEFORE_MS ?? 8_000);
const AFTER_BACKUP_MS = Number(process.env.DRILL_AFTER_MS ?? 8_000);
const SUB = 'restore-drill';
const PDF = new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2000, 7), Buffer.from('\n%%EOF\n')]));
const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const started = Date.now();
const log = (line: string) => console.log(`[drill +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Statuses in the order a payment or transfer moves through them: a later one may follow an earlier one. */
const PAYMENT_RANK: Record<string, number> = { Draft: 0, Pending: 1, Posted: 2, Cancelled: 2 };
const TRANSFER_RANK: Record<string, number> = {
  PendingConfirmation: 0,
  Confirmed: 1,
  Processing: 2,
  Stuck: 2,
  Completed: 3,
  Failed: 3,
  Cancelled: 3,
};
const FINAL = new Set(['Posted', 'Cancelled', 'Completed', 'Failed', 'Returned', 'Expired']);

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'corebank-restore-'));
  await chmod(dir, 0o755);
  const paths = { pg: join(dir, 'pg'), backup: join(dir, 'backup'), documents: join(dir, 'documents'), temporal: join(dir, 'temporal') };
  await prepareBackupDir(paths.backup);
  const ports = { pg: await freePort(), api: await freePort() };
  const binaries = await findOrBuildTemporalServer(log, { ui: false });
  const serverPorts = await freeServerPorts();
  // One bundle for both starts of the worker, made once (bundling at each start is slow on a busy machine).
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, await bundleWorkflows());
  // Short: the drill's WAL reaches the archive within seconds even when quiet.
  const archiving = archivingFlags(paths.backup, 5);

  let pg: RunningPostgres | undefined;
  let temporal: TemporalSqlServer | undefined;
  let worker: Supervised | undefined;
  let api: Supervised | undefined;
  const startStack = async () => {
    pg = await startEmbeddedPostgres({ dataDir: paths.pg, port: ports.pg, persistent: true, extraFlags: archiving });
    temporal = await startTemporalSqlServer({
      binaries,
      postgresUrl: pg.url,
      dir: paths.temporal,
      ports: serverPorts,
      onLine: (line) => log(`temporal ${line}`),
    });
    const sql = createSql(pg.url, { max: 2 });
    await migrate(sql);
    await sql.end();
    const connection = await Connection.connect({ address: temporal.address });
    await ensureSearchAttributes(connection, 'default');
    await connection.close();
    const env = {
      ...process.env,
      ...NO_DRAIN_ENV,
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      API_PORT: String(ports.api),
      DOCUMENTS_DIR: paths.documents,
      WORKFLOW_BUNDLE_PATH: workflowBundlePath,
      LOG_LEVEL: 'info',
      WORKFLOW_WAIT_MS: '8000',
      SANDBOX_DECISION_MS: '300',
    };
    worker = supervise({ name: 'worker', file: file('../../worker/main.ts'), env, readyText: 'worker running' }, log);
    api = supervise({ name: 'api', file: file('../../api/main.ts'), env, readyText: 'api listening' }, log);
    await worker.start();
    await api.start();
  };
  const stopStack = async () => {
    await api?.stop();
    await worker?.stop();
    await temporal?.stop();
    await pg?.stop();
  };

  const violations: string[] = [];
  try {
    log('starting PostgreSQL (archiving its WAL), the Temporal server on it, a worker and the API');
    await startStack();
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const bearer = await issueToken(LOCAL_JWT_SECRET, { role: 'system', sub: SUB });
    const history: RequestRecord[] = [];
    const send = createClient(apiUrl, bearer, history);
    const transferCtx = { apiUrl, systemBearer: bearer, send };

    // Setup: funded accounts for payments, transfer customers, all before the base backup.
    const settlement = (
      await send('setup', 'POST', '/v2/ledger/internal/Accounts/search', { kind: 'internal', currency: 'EUR', purpose: 'settlement' })
    )?.body.value.items[0].id as string;
    const openAccount = async (i: number, funding: string) => {
      const client = await send('client', 'POST', '/internal/Clients', {
        type: 'individual',
        firstName: 'R',
        lastName: `${i}`,
        email: `r${i}@example.com`,
        country: 'DE',
      });
      const clientId = client?.body.value.id as string;
      const account = await send('account', 'POST', '/v2/internal/Accounts', { clientId, currency: 'EUR', purpose: 'current', name: 'a' });
      await send('immediate', 'POST', '/internal/Payments', {
        debitAccountId: settlement,
        creditAccountId: account?.body.value.id,
        amount: funding,
        currency: 'EUR',
      });
      return { clientId, accountId: account?.body.value.id as string, number: account?.body.value.accountNumber as string };
    };
    const opened: { clientId: string; accountId: string; number: string }[] = [];
    for (let i = 0; i < 6; i++) opened.push(await openAccount(i, '800.00'));
    const customers: TransferCustomer[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const { clientId, accountId } = await openAccount(100 + i, '2000.00');
      customers.push({ clientId, accountId, bearer: await customerToken(clientId) });
    }
    const accounts = opened.map((a) => a.accountId);
    const numbers = opened.map((a) => a.number);
    const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
    const pair = () => {
      const debitAccountId = pick();
      let creditAccountId = pick();
      while (creditAccountId === debitAccountId) creditAccountId = pick();
      return { debitAccountId, creditAccountId, currency: 'EUR', amount: (1 + Math.random() * 40).toFixed(2) };
    };
    const uploads: { clientId: string; documentId: string; at: number }[] = [];
    const upload = async () => {
      const owner = opened[Math.floor(Math.random() * opened.length)] as { clientId: string };
      const form = new FormData();
      form.append('file', new Blob([PDF], { type: 'application/octet-stream' }), 'passport.pdf');
      form.append('type', 'id');
      const res = await fetch(`${apiUrl}/internal/Clients/${owner.clientId}/Documents`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${bearer}` },
      }).catch(() => undefined);
      if (res?.status === 201) uploads.push({ clientId: owner.clientId, documentId: ((await res.json()) as any).value.id, at: Date.now() });
    };

    let stop = false;
    const loops = Array.from({ length: CLIENTS }, async (_, n) => {
      while (!stop) {
        const dice = Math.random();
        if (dice < 0.3) await send('immediate', 'POST', '/internal/Payments', pair());
        else if (dice < 0.6) {
          const draft = await send('draft', 'POST', '/internal/Payments/draft', pair());
          const id = draft?.status === 201 ? draft.body.value.id : undefined;
          if (!id) continue;
          const pend = await send('pend', 'POST', `/internal/Payments/${id}/pend`);
          if (Math.random() < 0.2) continue; // left Pending
          const finish = pend?.status === 200 && Math.random() < 0.7 ? 'post' : 'cancel';
          await send(finish, 'POST', `/internal/Payments/${id}/${finish}`);
        } else if (dice < 0.93) await transferScenario(transferCtx, customers[n] as TransferCustomer, numbers);
        else await upload();
      }
    });

    log(`workload: ${CLIENTS} clients (payments at once, two-phase payments, outgoing transfers with their code, document uploads)`);
    await sleep(BEFORE_BACKUP_MS);
    const adminUrl = (pg as RunningPostgres).url.replace(/\/corebank$/, '/postgres');
    log('base backup while the workload runs...');
    const base = await takeBaseBackup(adminUrl, paths.pg, paths.backup);
    const restorePoint = new Date(base.finishedAt);
    const documentsCopied = await backUpDocuments(paths.documents, paths.backup);
    log(
      `base backup ${base.id}: ${(base.bytes / 2 ** 20).toFixed(1)} MiB in ${((Date.parse(base.finishedAt) - Date.parse(base.startedAt)) / 1000).toFixed(1)} s; restore point ${restorePoint.toISOString()}; ${documentsCopied} documents copied`,
    );
    await sleep(AFTER_BACKUP_MS);
    stop = true;
    await Promise.all(loops);
    const segment = await flushWalToArchive(adminUrl, paths.backup);
    const answered = history.filter((r) => r.final && typeof r.final.status === 'number');
    const before = answered.filter((r) => (r.final?.at ?? 0) < restorePoint.getTime());
    const countOps = (records: RequestRecord[]) =>
      Object.entries(
        records.reduce<Record<string, number>>((acc, r) => {
          acc[r.op] = (acc[r.op] ?? 0) + 1;
          return acc;
        }, {}),
      )
        .map(([op, n]) => `${op} ${n}`)
        .join(', ');
    log(
      `workload done: ${answered.length} answered requests (${countOps(answered)}), ${uploads.length} documents; WAL archived to ${segment}`,
    );
    log(
      `answered before the restore point: ${before.length}; after it (lost by the restore, by design): ${answered.length - before.length}`,
    );

    log('disaster: everything stops; the data directory and the document store are gone');
    await stopStack();
    await rm(paths.documents, { recursive: true, force: true });
    const restoreStarted = Date.now();
    const restored = await restoreTo({
      backupDir: paths.backup,
      dataDir: paths.pg,
      port: ports.pg,
      target: restorePoint,
      documentsDir: paths.documents,
      archiveTimeoutS: 5,
      log: (line) => log(`restore: ${line}`),
    });
    log(
      `restored in ${((Date.now() - restoreStarted) / 1000).toFixed(1)} s: ${restored.lastCommitBefore ?? 'replay reached the target'}; ${restored.documentsPutBack} documents put back`,
    );

    await startStack();
    const sql = createSql((pg as RunningPostgres).url, { max: 3 });
    const connection = await Connection.connect({ address: (temporal as TemporalSqlServer).address });
    try {
      const report = await reconcile({
        sql,
        temporal: new Client({ connection }),
        documentsDir: paths.documents,
        settleMs: 60_000,
        log,
      });
      console.log(formatReport(report));
      for (const f of report.forOps) {
        // Only the client can give a lost confirmation again; anything else means the rule or a repair failed.
        if (!f.note.startsWith("the client's confirmation")) violations.push(`for ops: ${f.kind} ${f.id}: ${f.note}`);
      }
      if (report.strandedHolds.length > 0) violations.push(`${report.strandedHolds.length} stranded holds after the reconcile`);
      if ((report.documents?.missingFiles.length ?? 0) > 0)
        violations.push(`documents without their file: ${report.documents?.missingFiles}`);

      const invariants = await checkInvariants(sql);
      if (!invariants.ok) violations.push(`ledger invariants broken: ${formatInvariantReport(invariants)}`);

      await checkAnswers(apiUrl, bearer, before, violations);
      for (const u of uploads.filter((u) => u.at < restorePoint.getTime())) {
        const res = await fetch(`${apiUrl}/internal/Clients/${u.clientId}/Documents/${u.documentId}`, {
          headers: { authorization: `Bearer ${bearer}` },
        });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200 || bytes.length !== PDF.length)
          violations.push(`document ${u.documentId} uploaded before the restore point: ${res.status}`);
      }

      // The bank takes new work on the restored data.
      const after: RequestRecord[] = [];
      const sendAfter = createClient(apiUrl, bearer, after);
      const fresh = await sendAfter('immediate', 'POST', '/internal/Payments', pair());
      if (fresh?.status !== 201) violations.push(`a new payment after the restore answered ${fresh?.status}`);
      log(
        `checked ${before.length} answers given before the restore point and ${uploads.filter((u) => u.at < restorePoint.getTime()).length} documents; a new payment: ${fresh?.status}`,
      );
    } finally {
      await connection.close();
      await sql.end({ timeout: 5 });
    }
  } finally {
    await stopStack().catch((error) => log(`stopping: ${(error as Error).message}`));
    await rm(dir, { recursive: true, force: true });
  }
  for (const v of violations.slice(0, 50)) log(`VIOLATION ${v}`);
  log(violations.length === 0 ? `PASSED in ${((Date.now() - started) / 1000).toFixed(0)} s` : `FAILED: ${violations.length} violations`);
  return violations.length === 0 ? 0 : 1;
}

/**
 * Every answer given before the restore point is still true: a created resource is there, its
 * status is the one last answered or one that can follow it (an action in flight at the restore
 * point may have landed), never an earlier one and never another final one; and the request
 * repeated with its Idempotency-Key gets the same answer.
 */
async function checkAnswers(apiUrl: string, bearer: string, before: RequestRecord[], violations: string[]) {
  const lastSeen = new Map<string, { path: string; status: string; kind: 'payment' | 'transfer'; at: number }>();
  for (const r of before) {
    const value = r.final?.body?.value;
    if (!r.final || typeof r.final.status !== 'number' || r.final.status >= 300 || !value?.status || !value.id) continue;
    const kind = r.path.includes('/Payments') ? 'payment' : r.path.includes('/Transfers') ? 'transfer' : undefined;
    if (!kind) continue;
    const path = kind === 'payment' ? `/internal/Payments/${value.id}` : `/internal/Transfers/outgoing/${value.id}`;
    const seen = lastSeen.get(path);
    if (!seen || (r.final.at ?? 0) >= seen.at) lastSeen.set(path, { path, status: value.status, kind, at: r.final.at ?? 0 });
  }
  for (const seen of lastSeen.values()) {
    const now = await read(apiUrl, bearer, seen.path);
    const status = now?.body?.value?.status as string | undefined;
    const rank = seen.kind === 'payment' ? PAYMENT_RANK : TRANSFER_RANK;
    const ok =
      now?.status === 200 &&
      status !== undefined &&
      (status === seen.status || (!FINAL.has(seen.status) && (rank[status] ?? -1) >= (rank[seen.status] ?? 99)));
    if (!ok) violations.push(`${seen.path}: answered ${seen.status} before the restore point, now ${now?.status} ${status}`);
  }
  // The same request again with its key: the stored answer, replayed.
  const creates = before.filter((r) => r.method === 'POST' && r.final?.status === 201 && r.clientId === undefined);
  for (const r of creates) {
    const res = await fetch(`${apiUrl}${r.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'Idempotency-Key': r.key },
      body: JSON.stringify(r.body),
    });
    const body = (await res.json().catch(() => null)) as any;
    if (res.status !== 201 || body?.value?.id !== r.final?.body?.value?.id)
      violations.push(
        `${r.op} ${r.path} key ${r.key}: answered 201 ${r.final?.body?.value?.id} before, now ${res.status} ${body?.value?.id}`,
      );
  }
  const clients = before.filter((r) => r.method === 'POST' && r.final?.status === 201 && r.clientId !== undefined);
  for (const r of clients) {
    const token = await customerToken(r.clientId as string);
    const res = await fetch(`${apiUrl}${r.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'Idempotency-Key': r.key },
      body: JSON.stringify(r.body),
    });
    const body = (await res.json().catch(() => null)) as any;
    if (res.status !== 201 || body?.value?.id !== r.final?.body?.value?.id)
      violations.push(
        `${r.op} ${r.path} key ${r.key} (client): answered 201 ${r.final?.body?.value?.id} before, now ${res.status} ${body?.value?.id}`,
      );
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

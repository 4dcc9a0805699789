import { type Page, type PageRequest, toPage } from '../domain/paging';
import { type AuditFilter, type AuditRow, listAudit } from '../store/audit';
import type { UseCaseDeps } from './deps';

export type { AuditFilter, AuditRow };

/** The audit log as the back office reads it: newest first, filtered by resource, actor and time. */
export function createAuditUseCases({ sql }: Pick<UseCaseDeps, 'sql'>) {
  async function list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRow>> {
    return toPage(await listAudit(sql, filter, page), page.limit, (row) => row);
  }
  return { list };
}

export type AuditUseCases = ReturnType<typeof createAuditUseCases>;

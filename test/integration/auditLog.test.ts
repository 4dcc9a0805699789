import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../domain/ids';
import { createSql, type Sql } from '../../ledger/db';
import { listAudit, recordAudit } from '../../store/audit';
import { testEnv } from '../support/env';

let sql: Sql;
beforeAll(() => {
  sql = createSql(testEnv().databaseUrl, { max: 5 });
});
afterAll(async () => {
  await sql.end();
});

const ops = { role: 'ops' as const, sub: `mallory-${newId()}` };

describe('the audit log', () => {
  it('records system and ops actions with their transaction, newest first, and never client ones', async () => {
    const resourceId = newId();
    await sql.begin(async (tx) => {
      await recordAudit(tx, {
        actor: ops,
        action: 'client.blocked',
        resourceType: 'client',
        resourceId,
        note: 'fraud',
        before: { status: 'active' },
        after: { status: 'blocked' },
      });
      await recordAudit(tx, {
        actor: ops,
        action: 'client.unblocked',
        resourceType: 'client',
        resourceId,
        before: { status: 'blocked' },
        after: { status: 'active' },
      });
      await recordAudit(tx, { actor: { role: 'client', sub: resourceId }, action: 'client.updated', resourceType: 'client', resourceId });
    });
    // A rolled back action leaves no record.
    await expect(
      sql.begin(async (tx) => {
        await recordAudit(tx, { actor: ops, action: 'client.blocked', resourceType: 'client', resourceId });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');

    const first = await listAudit(sql, { resourceId }, { limit: 1 });
    expect(first.map((r) => r.action)).toEqual(['client.unblocked', 'client.blocked']);
    const second = await listAudit(sql, { resourceId }, { limit: 1, afterSeq: first[0]!.seq });
    expect(second.map((r) => [r.action, r.note, r.before, r.after])).toEqual([
      ['client.blocked', 'fraud', { status: 'active' }, { status: 'blocked' }],
    ]);
    expect((await listAudit(sql, { actorSub: ops.sub }, { limit: 10 })).length).toBe(2);
  });

  it('cannot be changed or removed, even from raw SQL', async () => {
    const resourceId = newId();
    await sql.begin((tx) => recordAudit(tx, { actor: ops, action: 'payment.created', resourceType: 'payment', resourceId }));
    await expect(sql`UPDATE audit_log SET note = 'nothing happened' WHERE resource_id = ${resourceId}`).rejects.toThrow(/immutable/);
    await expect(sql`DELETE FROM audit_log WHERE resource_id = ${resourceId}`).rejects.toThrow(/immutable/);
    await expect(sql`TRUNCATE audit_log`).rejects.toThrow(/immutable/);
  });
});

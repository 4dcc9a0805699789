import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createHousekeepingActivities } from '../../activities/housekeeping';
import { createSql } from '../../ledger/db';
import { insertNotification } from '../../store/notifications';
import { testEnv } from '../support/env';
import { fundedAccount } from '../support/fixtures';

const sql = createSql(testEnv().databaseUrl, { max: 2 });
afterAll(() => sql.end());

const DAY_MS = 24 * 3600 * 1000;

describe('retention (the hourly housekeeping activity)', () => {
  it('deletes messages whose code expired and messages past their retention; keeps the rest', async () => {
    const clientId = randomUUID();
    const now = Date.now();
    const send = (subject: string, expiresAt?: Date) =>
      insertNotification(sql, {
        clientId,
        channel: 'sms',
        subject,
        body: `Your code is 123456 (${subject})`,
        ...(expiresAt ? { expiresAt } : {}),
      });
    await send('code expired', new Date(now - 1_000));
    await send('code still good', new Date(now + 60_000));
    await send('plain recent');
    await send('plain old');
    await sql`UPDATE notifications SET created_at = now() - interval '100 days' WHERE client_id = ${clientId} AND subject = 'plain old'`;

    const { purgeExpired } = createHousekeepingActivities({ sql, retention: { notificationDays: 90, snapshotDays: 400 } });
    const counts = await purgeExpired();
    expect(counts.notifications).toBeGreaterThanOrEqual(2);
    const left = await sql<{ subject: string }[]>`SELECT subject FROM notifications WHERE client_id = ${clientId} ORDER BY subject`;
    expect(left.map((row) => row.subject)).toEqual(['code still good', 'plain recent']);
  });

  it("deletes daily snapshots past their retention but never an account's latest", async () => {
    const [busy, dormant] = [await fundedAccount(sql, 'EUR', 0n), await fundedAccount(sql, 'EUR', 0n)];
    const snapshot = (accountId: string, daysAgo: number) => {
      const date = new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
      return sql`
        INSERT INTO daily_account_balances (account_id, date, currency, opening_balance, debits, credits, closing_balance, held,
                                            debits_pending, debits_posted, credits_pending, credits_posted, as_of)
        VALUES (${accountId}, ${date}::date, 'EUR', 0, 0, 0, 0, 0, 0, 0, 0, 0, ${date}::date + 1)`;
    };
    await snapshot(busy.id, 500);
    await snapshot(busy.id, 450);
    await snapshot(busy.id, 10);
    await snapshot(dormant.id, 500);

    const { purgeExpired } = createHousekeepingActivities({ sql, retention: { notificationDays: 90, snapshotDays: 400 } });
    await purgeExpired();
    const left = await sql<{ accountId: string; daysAgo: number }[]>`
      SELECT account_id, (current_date - date) AS days_ago FROM daily_account_balances
      WHERE account_id IN (${busy.id}, ${dormant.id}) ORDER BY account_id = ${dormant.id}, date`;
    expect(left.map((row) => [row.accountId === busy.id ? 'busy' : 'dormant', row.daysAgo])).toEqual([
      ['busy', 10],
      ['dormant', 500],
    ]);
  });
});

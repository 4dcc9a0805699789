import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../domain/ids';
import { createSql, type Sql } from '../../ledger/db';
import { type EventRow, listEvents, recordEvent, sequenceEvents } from '../../ledger/events';
import { getPayment, insertPayment, setPaymentStatus } from '../../store/payments';
import { testEnv } from '../support/env';
import { fundedAccount } from '../support/fixtures';

let sql: Sql;
beforeAll(() => {
  sql = createSql(testEnv().databaseUrl, { max: 20 });
});
afterAll(async () => {
  await sql.end();
});

const eventsOf = (aggregateId: string) => sql<EventRow[]>`SELECT * FROM events WHERE aggregate_id = ${aggregateId} ORDER BY aggregate_seq`;

/** Reads the whole log from `after` by pages, the way a consumer does. */
async function readAll(after: bigint | undefined): Promise<EventRow[]> {
  const seen: EventRow[] = [];
  let cursor = after;
  for (;;) {
    await sequenceEvents(sql);
    const rows = await listEvents(sql, {}, { limit: 7, afterSeq: cursor });
    const page = rows.slice(0, 7);
    seen.push(...page);
    if (page.length === 0) return seen;
    cursor = page[page.length - 1]?.position ?? cursor;
  }
}

describe('the outbox', () => {
  it('writes a payment event with each new status, once, and none for a rolled back change', async () => {
    const a = await fundedAccount(sql, 'EUR', 1000n);
    const b = await fundedAccount(sql, 'EUR', 0n);
    const id = newId();
    const payment = {
      id,
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 150n,
      currency: 'EUR',
      description: null,
      reference: null,
      status: 'Draft' as const,
      holdExpiresAt: null,
    };
    await insertPayment(sql, payment);
    await insertPayment(sql, payment); // an activity retry
    await setPaymentStatus(sql, id, { status: 'Pending', holdExpiresAt: new Date(Date.now() + 60_000) });
    await setPaymentStatus(sql, id, { status: 'Pending', holdExpiresAt: new Date(Date.now() + 60_000) });
    // A change that rolls back takes its event with it.
    await expect(
      sql.begin(async (tx) => {
        await setPaymentStatus(tx, id, { status: 'Posted' });
        throw new Error('refused after the change');
      }),
    ).rejects.toThrow('refused');
    expect((await getPayment(sql, id))?.status).toBe('Pending');
    const events = await eventsOf(id);
    expect(events.map((e) => [e.type, Number(e.aggregateSeq)])).toEqual([
      ['payment.draft', 1],
      ['payment.pending', 2],
    ]);
    expect(events[1]?.data).toMatchObject({ id, status: 'Pending', amount: '1.50', currency: 'EUR' });
    expect(events[0]?.clientId).toBe(a.clientId);
  });

  it('never lets a paging reader skip an event that commits late, and keeps each aggregate in order', async () => {
    await sequenceEvents(sql);
    const [head] = await sql<[{ position: bigint }]>`SELECT position FROM event_log_head`;
    const aggregates = Array.from({ length: 5 }, () => newId());
    const written: string[] = [];
    const write = (aggregateId: string, delayMs: number) =>
      sql.begin(async (tx) => {
        const row = await recordEvent(tx, {
          type: 'client.updated',
          aggregateType: 'client',
          aggregateId,
          clientId: null,
          data: { n: written.length },
        });
        written.push(row.id);
        // Transactions commit in another order than they inserted (and took their seq).
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      });
    // A reader pages the log all along while writers commit out of order.
    let reading = true;
    const seenWhileWriting: EventRow[] = [];
    const reader = (async () => {
      let cursor: bigint | undefined = head.position;
      while (reading) {
        await sequenceEvents(sql);
        const rows = await listEvents(sql, {}, { limit: 3, afterSeq: cursor });
        const page = rows.slice(0, 3);
        seenWhileWriting.push(...page);
        if (page.length > 0) cursor = page[page.length - 1]?.position ?? cursor;
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
      seenWhileWriting.push(...(await readAll(cursor)));
    })();
    const writers: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      writers.push(write(aggregates[i % aggregates.length] as string, (i * 37) % 50));
      if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await Promise.all(writers);
    reading = false;
    await reader;
    const ours = seenWhileWriting.filter((e) => aggregates.includes(e.aggregateId));
    expect(new Set(ours.map((e) => e.id)).size).toBe(60);
    expect(ours.length).toBe(60);
    // Positions only grow, and within an aggregate the sequence goes 1, 2, 3... in log order.
    const positions = seenWhileWriting.map((e) => e.position as bigint);
    expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] as bigint))).toBe(true);
    for (const aggregateId of aggregates) {
      const seqs = ours.filter((e) => e.aggregateId === aggregateId).map((e) => Number(e.aggregateSeq));
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
  });
});

// bill-service and the bill's workflow both insert a new bill's row (whichever comes first makes a
// 201 readable at once); at the same moment, on a busy machine, their inserts collide on the row's id
// and on its (customer, period) key together. Either may come first; neither may fail.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { billSummaryOfRow } from '@billing/bills';
import { createDb, type Db } from '@billing/db';
import { billResource } from '@billing/resources';
import { billsRepository } from '../src/bills/bills-repository.ts';
import { futurePeriod, newCustomer } from './support/bill-service.ts';

let db: Db;
beforeAll(() => {
  db = createDb({ url: inject('databaseUrl'), poolMax: 8 });
});
afterAll(async () => {
  await db.destroy();
});

/** The workflow's insert of the same row, as its activity writes it: any conflict leaves the row be. */
async function workflowInsert(row: { id: string; customer_id: string; billing_period: string; period_start: Date; period_end: Date; workflow_id: string; created_at: Date }) {
  await db.raw(`
    INSERT INTO bills (id, customer_id, billing_period, currency, time_zone, status, period_start, period_end, workflow_id, created_at, updated_at)
    VALUES (?, ?, ?, 'USD', 'UTC', 'OPEN', ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
  [row.id, row.customer_id, row.billing_period, row.period_start, row.period_end, row.workflow_id, row.created_at, row.created_at]);
}

it('stores one row when bill-service and the workflow insert the same new bill at the same moment', async () => {
  const bills = billsRepository(db);
  const period = futurePeriod(3);
  const [year, month] = period.split('-').map(Number) as [number, number];
  const rows = Array.from({ length: 200 }, () => {
    const customer = newCustomer('row-race');
    return {
      id: `bill_${randomUUID().replaceAll('-', '')}`, customer_id: customer, billing_period: period, currency: 'USD', time_zone: 'UTC',
      status: 'OPEN' as const, period_start: new Date(Date.UTC(year, month - 1, 1)), period_end: new Date(Date.UTC(year, month, 1)),
      workflow_id: `bill/${customer}/${period}`, created_at: new Date(), create_idempotency_key: null,
    };
  });
  const outcomes = await Promise.allSettled(rows.flatMap((row) => [bills.insertOpen(row), workflowInsert(row)]));
  expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason))).toEqual([]);
  for (const row of rows) expect((await bills.find(row.customer_id, row.billing_period))?.id).toBe(row.id);
  // bill-service's insert writes `bill.created` exactly when it inserted the row (here the workflow's writes none).
  const insertedByService = outcomes.filter((outcome, index) => index % 2 === 0 && outcome.status === 'fulfilled' && outcome.value !== undefined).length;
  const created = await db('events').whereIn('customer_id', rows.map((row) => row.customer_id)).andWhere({ type: 'bill.created' }).count({ n: '*' });
  expect(Number(created[0]!.n)).toBe(insertedByService);
});

it('writes bill.created with the row it inserts, showing the bill as a read does, and only the key on a row already there', async () => {
  const bills = billsRepository(db);
  const period = futurePeriod(4);
  const [year, month] = period.split('-').map(Number) as [number, number];
  const newRow = () => {
    const customer = newCustomer('row-event');
    return {
      id: `bill_${randomUUID().replaceAll('-', '')}`, customer_id: customer, billing_period: period, currency: 'JPY', time_zone: 'America/New_York',
      status: 'OPEN' as const, period_start: new Date(Date.UTC(year, month - 1, 1, 5)), period_end: new Date(Date.UTC(year, month, 1, 5)),
      workflow_id: `bill/${customer}/${period}`, created_at: new Date(), create_idempotency_key: 'create-1' as string | null,
    };
  };
  const row = newRow();
  const inserted = await bills.insertOpen(row);
  const read = await bills.find(row.customer_id, period);
  expect(inserted).toEqual(read);
  expect(await db('events').where({ customer_id: row.customer_id }).select('type', 'seq', 'data')).toEqual([
    { type: 'bill.created', seq: '1', data: billResource(billSummaryOfRow(read!), 0n) },
  ]);

  const written = newRow();
  await workflowInsert(written);
  expect(await bills.insertOpen(written)).toBeUndefined();
  expect((await bills.find(written.customer_id, period))?.create_idempotency_key).toBe('create-1');
  expect(await db('events').where({ customer_id: written.customer_id })).toEqual([]);
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, lockUsageShared, recordExchangeRate, type Db } from '@billing/db';
import { setBillStatus } from '../src/bills/bill-repository.ts';
import type { ExchangeRatePort } from '../src/bills/exchange-rates.ts';
import { freshDatabase, type TestDatabase } from './support/servers.ts';

// The close's usage barrier against a real PostgreSQL: the transaction that makes a bill CLOSING
// writes its usage lines exactly once, whether its connection dies mid-way (as when the worker is
// killed: PostgreSQL rolls the transaction back) and the activity runs again, or two attempts race.

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await freshDatabase();
  db = createDb({ url: database.url, poolMax: 6 });
  await db('usage_metrics').insert({ code: 'calls', name: 'API calls', aggregation: 'COUNT', referenced_at: db.fn.now() });
  await db('usage_metrics').insert({ code: 'gb', name: 'Storage', aggregation: 'SUM', field: 'gb', referenced_at: db.fn.now() });
  await db('usage_prices').insert({
    id: `upr_${'1'.repeat(32)}`, metric_code: 'calls', currency: 'USD', model: 'PER_UNIT', definition: JSON.stringify({ currency: 'USD', model: 'PER_UNIT', unitPrice: '0.015' }),
  });
}, 60_000);
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const periodStart = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
const periodEnd = () => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1));

async function openBillWithUsage(calls: number, gb: string[]) {
  const customer = `cus_${randomUUID().slice(0, 8)}`;
  const billId = `bill_${randomUUID().replaceAll('-', '')}`;
  await db('bills').insert({
    id: billId, customer_id: customer, billing_period: periodStart().toISOString().slice(0, 7), currency: 'USD', time_zone: 'UTC',
    status: 'OPEN', period_start: periodStart(), period_end: periodEnd(), workflow_id: `wf-${billId}`,
  });
  const rows = [
    ...Array.from({ length: calls }, () => ({ metric_code: 'calls', value: null })),
    ...gb.map((value) => ({ metric_code: 'gb', value })),
  ].map((row) => ({ ...row, customer_id: customer, transaction_id: randomUUID(), metric_version: 1, ts: new Date(), dimension: '{}' }));
  if (rows.length > 0) await db('usage_events').insert(rows);
  return { customer, billId };
}

async function usageLines(billId: string) {
  return db('line_items').where({ bill_id: billId }).whereRaw(`metadata->>'usageMetric' IS NOT NULL`).orderBy('seq')
    .select('description', 'quantity', 'amount_minor', 'seq');
}

async function closingEvents(customer: string): Promise<number> {
  return Number((await db('events').where({ customer_id: customer, type: 'bill.closing' }).count({ n: '*' }))[0]?.n);
}

describe('usage lines at a bill\'s close', () => {
  it('are written once when the close\'s connection dies mid-transaction and the close runs again, with events committed before it', async () => {
    const { customer, billId } = await openBillWithUsage(3, ['1.5', '2.25']);
    // An ingest transaction holds the customer's usage lock shared: the close waits for it, inside its own transaction.
    const ingest = await db.transaction();
    await lockUsageShared(ingest, [customer]);
    const firstAttempt = setBillStatus(db, billId, 'CLOSING', new Date().toISOString());
    let blocked: Array<{ pid: number }> = [];
    for (let i = 0; i < 100 && blocked.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ({ rows: blocked } = await db.raw(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock(%'`) as { rows: Array<{ pid: number }> });
    }
    expect(blocked).toHaveLength(1);
    // The worker dies: its connection goes, and PostgreSQL rolls back what the close had done.
    await db.raw('SELECT pg_terminate_backend(?)', [(blocked[0] as { pid: number }).pid]);
    await expect(firstAttempt).rejects.toThrow();
    expect(await db('bills').where({ id: billId }).first('status')).toEqual({ status: 'OPEN' });
    expect(await usageLines(billId)).toEqual([]);

    // The ingest commits one more event before the retried close takes the lock: it is on the bill.
    await ingest('usage_events').insert({ customer_id: customer, transaction_id: randomUUID(), metric_code: 'calls', metric_version: 1, ts: new Date(), dimension: '{}' });
    await ingest.commit();
    await setBillStatus(db, billId, 'CLOSING', new Date().toISOString());
    await setBillStatus(db, billId, 'CLOSING', new Date().toISOString());

    // 4 calls × 0.015 = 0.06; storage has no price: its line says so, at zero.
    expect(await usageLines(billId)).toEqual([
      { description: 'API calls', quantity: '4', amount_minor: '6', seq: 1 },
      { description: 'Storage', quantity: '3.75', amount_minor: '0', seq: 2 },
    ]);
    expect(await db('bills').where({ id: billId }).first('status', 'item_count', 'total_minor', 'subtotals'))
      .toEqual({ status: 'CLOSING', item_count: 2, total_minor: '6', subtotals: { USD: '6' } });
    expect(await closingEvents(customer)).toBe(1);
  });

  it('are written once when two attempts of the close race', async () => {
    const { customer, billId } = await openBillWithUsage(10, []);
    await Promise.all([1, 2, 3].map(() => setBillStatus(db, billId, 'CLOSING', new Date().toISOString())));
    expect(await usageLines(billId)).toEqual([{ description: 'API calls', quantity: '10', amount_minor: '15', seq: 1 }]);
    expect(await db('usage_line_items').where({ bill_id: billId }).select('quantity', 'event_count', 'price_id'))
      .toEqual([{ quantity: '10', event_count: '10', price_id: `upr_${'1'.repeat(32)}` }]);
    expect(await closingEvents(customer)).toBe(1);
  });

  it('leaves a bill without usage as it was, and counts no event outside its period', async () => {
    const { billId } = await openBillWithUsage(0, []);
    await setBillStatus(db, billId, 'CLOSING', new Date().toISOString());
    expect(await usageLines(billId)).toEqual([]);
    expect(await db('bills').where({ id: billId }).first('status', 'item_count')).toEqual({ status: 'CLOSING', item_count: 0 });
  });

  it('converts usage priced in another currency at a rate recorded before the close, as an item is converted', async () => {
    const { customer, billId } = await openBillWithUsage(2, ['1.5', '2.25']);
    await db('usage_prices').insert({
      id: `upr_${'2'.repeat(32)}`, metric_code: 'gb', customer_id: customer, currency: 'EUR', model: 'PER_UNIT',
      definition: JSON.stringify({ currency: 'EUR', model: 'PER_UNIT', unitPrice: '0.333' }),
    });
    const asked: string[] = [];
    // The rates service's answer, recorded as the worker's gRPC port records it.
    const rates: ExchangeRatePort = {
      async rateFor(from, to) {
        asked.push(`${from}/${to}`);
        const fact = { base: from, quote: to, rate: '1.0850', source: 'test', asOf: new Date('2030-01-02T00:00:00Z') };
        return { rateId: await recordExchangeRate(db, fact), rate: fact.rate, source: fact.source, asOf: fact.asOf.toISOString() };
      },
    };
    await setBillStatus(db, billId, 'CLOSING', new Date().toISOString(), rates);
    await setBillStatus(db, billId, 'CLOSING', new Date().toISOString(), rates);
    expect(asked).toEqual(['EUR/USD']); // the second, retried close finds the bill CLOSING and asks for nothing

    // 3.75 GB × 0.333 EUR = 1.24875 → 1.25 EUR (rounded once, half-even); × 1.0850 = 1.35625 → 1.36 USD.
    const lines = await db('line_items').where({ bill_id: billId }).orderBy('seq')
      .select('description', 'currency', 'amount_minor', 'converted_minor', 'rate', 'rate_source', 'rate_id');
    const rateRow = await db('exchange_rates').where({ base: 'EUR', quote: 'USD', source: 'test' }).first('id') as { id: string };
    expect(lines).toEqual([
      { description: 'API calls', currency: 'USD', amount_minor: '3', converted_minor: null, rate: null, rate_source: null, rate_id: null },
      { description: 'Storage', currency: 'EUR', amount_minor: '125', converted_minor: '136', rate: '1.0850', rate_source: 'test', rate_id: rateRow.id },
    ]);
    expect(await db('bills').where({ id: billId }).first('total_minor', 'subtotals'))
      .toEqual({ total_minor: '139', subtotals: { USD: '3', EUR: '125' } });
  });
});

// The write of a bill's items against a real PostgreSQL: the items, the bill's totals and one
// `bill.item_added` event per new item commit together, and each event shows the item exactly as
// reading it back shows it, whether the event was built from the item as given or from the row.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineItemView } from '@billing/bills';
import { createDb, EVENTS_CHANNEL, type Db } from '@billing/db';
import { lineItemResource } from '@billing/resources';
import { itemAddedDataAsGiven } from '../src/bills/bill-events.ts';
import { BillNotOpenError, findLineItem, insertLineItems, type NewLineItem } from '../src/bills/bill-repository.ts';
import { freshDatabase, type TestDatabase } from './support/servers.ts';

let database: TestDatabase;
let db: Db;
let listener: pg.Client;
const announced: string[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  db = createDb({ url: database.url, poolMax: 4 });
  listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  listener.on('notification', (message) => announced.push(String(message.payload)));
  await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
}, 60_000);
afterAll(async () => {
  await listener?.end();
  await db?.destroy();
  await database?.drop();
});

async function openBill(currency = 'USD') {
  const customerId = `cus_${randomUUID().slice(0, 8)}`;
  const billId = `bill_${randomUUID().replaceAll('-', '')}`;
  const start = new Date(Date.UTC(2030, 0, 1));
  await db('bills').insert({
    id: billId, customer_id: customerId, billing_period: '2030-01', currency, time_zone: 'UTC', status: 'OPEN',
    period_start: start, period_end: new Date(Date.UTC(2030, 1, 1)), workflow_id: `wf-${billId}`,
  });
  return { billId, customerId, currency };
}

let next = 0;
function item(overrides: Partial<NewLineItem> = {}): NewLineItem {
  next += 1;
  return {
    id: `li_${randomUUID().replaceAll('-', '')}`, idempotencyKey: `key-${next}`, description: `fee ${next}`,
    quantity: '1', unitPrice: '2.50', currency: 'USD', amountMinor: '250', convertedMinor: null, rate: null, rateSource: null,
    rateAsOf: null, rateId: null, metadata: {}, addedAt: '2030-01-02T03:04:05.678Z', ...overrides,
  };
}

const converted = (overrides: Partial<NewLineItem> = {}) => item({
  currency: 'EUR', unitPrice: '10.00', amountMinor: '1000', convertedMinor: '1085', rate: '1.085', rateSource: 'ecb',
  rateAsOf: '2030-01-01T00:00:00Z', rateId: null, ...overrides,
});

/** The bill's `bill.item_added` events in sequence order: their data and their item's key. */
async function itemEvents(customerId: string) {
  const rows = await db('events').where({ customer_id: customerId, type: 'bill.item_added' }).orderBy('seq')
    .select('id', 'seq', 'data') as Array<{ id: string; seq: string; data: { idempotencyKey: string } }>;
  return rows;
}

/** Each item as a read of it shows it, with its bill's id: what its event must hold. */
async function readBack(bill: { billId: string; currency: string }, keys: readonly string[]) {
  return Promise.all(keys.map(async (key) => {
    const stored = await findLineItem(db, bill.billId, key);
    return { billId: bill.billId, ...lineItemResource(lineItemView(stored!, bill.currency)) };
  }));
}

async function announcedSoon(ids: readonly string[]) {
  await expect.poll(() => ids.every((id) => announced.includes(id)), { timeout: 5_000 }).toBe(true);
  return announced.filter((id) => ids.includes(id));
}

describe('writing a bill\'s items', () => {
  it('commits each new item with one event showing it as a read does, numbered and announced in the items\' order', async () => {
    const bill = await openBill();
    const batch = [
      item({ metadata: { zone: 'eu', a: 'é🙂', 'plan.tier': '2' } }),
      item({ quantity: '2.500', unitPrice: '0.333', amountMinor: '83', description: 'çà et là 🙂' }),
      item({ quantity: '-1', unitPrice: '5', amountMinor: '-500' }),
    ];
    const written = await insertLineItems(db, bill.billId, batch, '2030-01-02T03:04:06.000Z');
    expect(written.insertedKeys).toEqual(batch.map((one) => one.idempotencyKey));
    expect(written.totals).toMatchObject({ itemCount: 3, totalMinor: String(250 + 83 - 500) });

    const events = await itemEvents(bill.customerId);
    expect(events.map((event) => event.seq)).toEqual(['1', '2', '3']);
    expect(events.map((event) => event.data)).toEqual(await readBack(bill, batch.map((one) => one.idempotencyKey)));
    expect(await announcedSoon(events.map((event) => event.id))).toEqual(events.map((event) => event.id));
  });

  it('writes the same events for items PostgreSQL gives back otherwise than given, and for converted items', async () => {
    const bill = await openBill();
    const batches = [
      [item({ quantity: '1e2', amountMinor: '25000' })],
      [item({ unitPrice: '02.50' })],
      [item({ quantity: '-0.0', amountMinor: '0' })],
      [item({ addedAt: '2030-01-02T03:04:05Z' })],
      [item({ addedAt: '2030-01-02T03:04:05.678901Z' })],
      [item({ addedAt: '2030-01-02T04:04:05.678+01:00' })],
      [converted()],
      [item(), converted({ rateAsOf: '2030-01-01T00:00:00.000Z' })],
    ];
    const keys = batches.flat().map((one) => one.idempotencyKey);
    for (const batch of batches) await insertLineItems(db, bill.billId, batch, '2030-01-02T03:04:06.000Z');

    const events = await itemEvents(bill.customerId);
    expect(events.map((event) => event.data.idempotencyKey)).toEqual(keys);
    expect(events.map((event) => event.data)).toEqual(await readBack(bill, keys));
    expect(events.map((event) => Number(event.seq))).toEqual(keys.map((_, index) => index + 1));
    await announcedSoon(events.map((event) => event.id));
  });

  it('builds an event from the item as given only when the database gives the item back as given', () => {
    const plain = item({ quantity: '2.500', unitPrice: '-0.10', metadata: { b: '1', a: '2' } });
    expect(JSON.parse(itemAddedDataAsGiven('bill_x', plain)!)).toMatchObject({ billId: 'bill_x', idempotencyKey: plain.idempotencyKey, quantity: '2.500' });
    for (const otherwise of [
      { quantity: '1e2' }, { quantity: '+1' }, { unitPrice: '02.50' }, { unitPrice: '.5' }, { quantity: '-0.00' }, { amountMinor: '-0' },
      { addedAt: '2030-01-02T03:04:05Z' }, { addedAt: '2030-01-02T03:04:05.678901Z' }, { addedAt: '2030-02-30T03:04:05.678Z' },
      { description: 'half \ud83d' }, { metadata: { key: '\udc00' } },
      { convertedMinor: '1085', rate: '1.085', rateSource: 'ecb', rateAsOf: '2030-01-01T00:00:00.000Z' },
    ] satisfies Array<Partial<NewLineItem>>) {
      expect(itemAddedDataAsGiven('bill_x', item(otherwise)), JSON.stringify(otherwise)).toBeUndefined();
    }
  });

  it('writes nothing again for a key the bill has, and nothing at all once the bill is no longer open', async () => {
    const bill = await openBill();
    const first = item();
    await insertLineItems(db, bill.billId, [first], '2030-01-02T03:04:06.000Z');
    const again = await insertLineItems(db, bill.billId, [first, item()], '2030-01-02T03:04:07.000Z');
    expect(again.insertedKeys).toHaveLength(1);
    expect(again.items[0]).toMatchObject({ idempotencyKey: first.idempotencyKey, seq: 1 });
    expect(again.totals.itemCount).toBe(2);
    expect(await itemEvents(bill.customerId)).toHaveLength(2);

    await db('bills').where({ id: bill.billId }).update({ status: 'CLOSING' });
    await expect(insertLineItems(db, bill.billId, [item()], '2030-01-02T03:04:08.000Z')).rejects.toBeInstanceOf(BillNotOpenError);
    await expect(insertLineItems(db, bill.billId, [converted()], '2030-01-02T03:04:08.000Z')).rejects.toBeInstanceOf(BillNotOpenError);
    expect(Number((await db('line_items').where({ bill_id: bill.billId }).count({ n: '*' }))[0]!.n)).toBe(2);
    expect(await itemEvents(bill.customerId)).toHaveLength(2);
    expect(await db('event_sequences').where({ customer_id: bill.customerId }).first('last_seq')).toEqual({ last_seq: '2' });
  });
});

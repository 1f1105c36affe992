import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@billing/db';
import { createActivities } from '../src/bills/bill-activities.ts';
import type { LedgerPostingPort } from '../src/ledger/ledger-posting.ts';
import { freshDatabase, type TestDatabase } from './support/servers.ts';

// The close stores the bill's invoice documents in the transaction that makes it CLOSED, against a
// real PostgreSQL: every CLOSED bill has its three forms, a retried close adds none, and the
// table refuses any change to a stored document.

let database: TestDatabase;
let db: Db;
// finalizeBill never posts to the ledger (postInvoice does, before it): any call is a defect.
const ledger: LedgerPostingPort = {
  postInvoice: () => Promise.reject(new Error('finalizeBill must not post')),
  recordCollection: () => Promise.reject(new Error('finalizeBill must not post')),
};

beforeAll(async () => {
  database = await freshDatabase();
  db = createDb({ url: database.url, poolMax: 4 });
}, 60_000);
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

async function closingBill(customerId: string) {
  const billId = `bill_${randomUUID().replaceAll('-', '')}`;
  await db('bills').insert({
    id: billId, customer_id: customerId, billing_period: '2026-11', currency: 'EUR', time_zone: 'Europe/Paris',
    status: 'CLOSING', period_start: new Date('2026-10-31T23:00:00Z'), period_end: new Date('2026-11-30T23:00:00Z'),
    workflow_id: `wf-${billId}`, invoice_number: `INV-2026-${randomUUID().slice(0, 6)}`, item_count: 1, total_minor: '4200',
    subtotals: JSON.stringify({ EUR: '4200' }),
  });
  await db('line_items').insert({
    id: `li_${randomUUID().replaceAll('-', '')}`, bill_id: billId, seq: 1, idempotency_key: 'k1', description: 'Seats',
    quantity: '2', unit_price: '21.00', currency: 'EUR', amount_minor: '4200', metadata: '{}', added_at: new Date('2026-11-02T10:00:00Z'),
  });
  return billId;
}

describe('invoice documents at close', () => {
  it('stores the three forms with the CLOSED status, once', async () => {
    await db('customers').insert({
      id: 'cus_doc', legal_name: 'Kunde GmbH', email: 'ap@kunde.example', locale: 'de',
      address: JSON.stringify({ line1: 'Ring 1', city: 'Wien', postalCode: '1010', country: 'AT' }),
    });
    const billId = await closingBill('cus_doc');
    const activities = createActivities({ db, ledger });
    await activities.finalizeBill({ billId, closedAt: '2026-12-01T07:00:00.000Z' });
    const rows = await db('bill_documents').where({ bill_id: billId }).orderBy('format') as Array<Record<string, unknown>>;
    expect((await db('bills').where({ id: billId }).first('status')).status).toBe('CLOSED');
    expect(rows.map((row) => [row.format, row.version])).toEqual([['html', 1], ['pdf', 1], ['xml', 1]]);
    for (const row of rows) expect(row.sha256).toBe(createHash('sha256').update(row.bytes as Buffer).digest('hex'));
    const xml = (rows.find((row) => row.format === 'xml')?.bytes as Buffer).toString('utf8');
    expect(xml).toContain('<cbc:RegistrationName>Kunde GmbH</cbc:RegistrationName>');
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">42.00</cbc:PayableAmount>');
    expect((rows.find((row) => row.format === 'html')?.bytes as Buffer).toString('utf8')).toContain('<html lang="de">');
    expect((rows.find((row) => row.format === 'pdf')?.bytes as Buffer).subarray(0, 5).toString()).toBe('%PDF-');

    // A retried close (the activity runs at least once) finds the bill CLOSED and adds nothing.
    await activities.finalizeBill({ billId, closedAt: '2026-12-01T07:00:05.000Z' });
    expect(await db('bill_documents').where({ bill_id: billId }).count('* as n').first()).toEqual({ n: '3' });
  }, 60_000);

  it('writes invoice.finalized after bill.closed, linking each stored form by its path and SHA-256, once', async () => {
    const billId = await closingBill('cus_finalized');
    const activities = createActivities({ db, ledger });
    await activities.finalizeBill({ billId, closedAt: '2026-12-01T07:00:00.000Z' });
    await activities.finalizeBill({ billId, closedAt: '2026-12-01T07:00:05.000Z' });
    const events = await db('events').where({ customer_id: 'cus_finalized' }).orderBy('seq').select('type', 'data') as
      Array<{ type: string; data: Record<string, unknown> }>;
    expect(events.map((event) => event.type)).toEqual(['bill.closed', 'invoice.finalized']);
    const stored = await db('bill_documents').where({ bill_id: billId }).select('format', 'sha256', 'content_type') as
      Array<{ format: string; sha256: string; content_type: string }>;
    const bill = await db('bills').where({ id: billId }).first('invoice_number') as { invoice_number: string };
    expect(events[1]?.data).toEqual({
      billId, customerId: 'cus_finalized', billingPeriod: '2026-11', invoiceNumber: bill.invoice_number, version: 1,
      documents: Object.fromEntries(stored.map((row) => [row.format, {
        url: `/v1/customers/cus_finalized/bills/2026-11/invoice.${row.format}`, contentType: row.content_type, sha256: row.sha256,
      }])),
    });
  }, 60_000);

  it('refuses to change or delete a stored document', async () => {
    const billId = await closingBill('cus_immutable');
    await createActivities({ db, ledger }).finalizeBill({ billId, closedAt: '2026-12-01T07:00:00.000Z' });
    await expect(db('bill_documents').where({ bill_id: billId, format: 'xml' }).update({ content_type: 'text/plain' }))
      .rejects.toThrow(/immutable/);
    await expect(db('bill_documents').where({ bill_id: billId }).delete()).rejects.toThrow(/immutable/);
  }, 60_000);

  it('closes the bill of a customer without a profile, its invoice naming the id', async () => {
    const billId = await closingBill('cus_no_profile');
    await createActivities({ db, ledger }).finalizeBill({ billId, closedAt: '2026-12-01T07:00:00.000Z' });
    const xml = await db('bill_documents').where({ bill_id: billId, format: 'xml' }).first('bytes') as { bytes: Buffer };
    expect(xml.bytes.toString('utf8')).toContain('<cbc:RegistrationName>cus_no_profile</cbc:RegistrationName>');
  }, 60_000);
});

// SQL for the bill read model. Every write is idempotent, because activities run at least once:
// inserts do nothing on conflict, and totals are written as absolute values computed by the
// workflow (the source of truth), never as increments a retry would apply twice.
import type { Db } from '@billing/db';
import { recordBillEvent, recordInvoiceFinalized, recordItemsAdded } from './bill-events.ts';
import type { ExchangeRatePort } from './exchange-rates.ts';
import { usageRatesFor, writeUsageLines, type UsageRates } from './usage-lines.ts';
import type { InvoiceInput } from '@billing/documents';
import { invoiceInputOf, storeInvoiceDocuments, type InvoiceDocuments } from './invoice-documents.ts';

export interface BillRow {
  billId: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  periodStart: string;
  periodEnd: string;
  workflowId: string;
  createdAt: string;
}

export interface StoredLineItem {
  id: string;
  seq: number;
  idempotencyKey: string;
  description: string;
  quantity: string;
  unitPrice: string;
  currency: string;
  amountMinor: string;
  convertedMinor: string | null;
  rate: string | null;
  rateSource: string | null;
  rateAsOf: string | null;
  rateId?: string | null;
  metadata: Record<string, string>;
  addedAt: string;
}

export interface BillTotals {
  itemCount: number;
  totalMinor: string;
  subtotalsMinor: Record<string, string>;
  updatedAt: string;
}

/** Inserts the bill unless it exists (bill-service inserts the same row before answering 201). */
/** True when this call wrote the row, false when it was there already. */
export async function insertBillIfMissing(db: Db, bill: BillRow): Promise<boolean> {
  return db.transaction(async (trx) => {
    const inserted = await trx.raw(`
      INSERT INTO bills (id, customer_id, billing_period, currency, time_zone, status, period_start, period_end,
                         workflow_id, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, 'OPEN', ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`,
    [bill.billId, bill.customerId, bill.billingPeriod, bill.currency, bill.timeZone, bill.periodStart, bill.periodEnd,
      bill.workflowId, bill.createdAt, bill.createdAt]) as { rowCount: number };
    // Whoever inserts the row first (this activity or bill-service) records the bill's creation.
    if (inserted.rowCount > 0) await recordBillEvent(trx, 'bill.created', bill.billId);
    return inserted.rowCount > 0;
  });
}

export type NewLineItem = Omit<StoredLineItem, 'seq'>;

/** The bill's row is no longer OPEN: no write of items will ever succeed. */
export class BillNotOpenError extends Error {
  readonly status: string;

  constructor(billId: string, status: string) {
    super(`bill ${billId} is ${status} and accepts no line items`);
    this.name = 'BillNotOpenError';
    this.status = status;
  }
}

export interface InsertedLineItems {
  /** Every item of the batch as stored, in batch order: the new ones and those stored before. */
  items: StoredLineItem[];
  /** Idempotency keys this call stored; the others were already there. */
  insertedKeys: string[];
  /** The bill's totals after the batch, as committed. */
  totals: BillTotals;
}

/**
 * Stores a batch of items and adds only the ones actually inserted to the bill's totals, in one
 * transaction under the bill row's lock. A repeated key is skipped, so a retried call, or a
 * call whose result the workflow never recorded, can neither double an item nor its amount.
 */
export async function insertLineItems(db: Db, billId: string, items: readonly NewLineItem[], updatedAt: string): Promise<InsertedLineItems> {
  return db.transaction(async (trx) => {
    // The row, locked, and its last item's number in one round trip.
    const bill = await trx('bills').where({ id: billId }).forUpdate()
      .first('status', 'customer_id', 'currency', 'item_count', 'total_minor', 'subtotals',
        trx('line_items').where({ bill_id: billId }).max('seq').as('last_seq')) as Record<string, unknown> | undefined;
    if (!bill) throw new Error(`bill ${billId} is not in the database`);
    if (bill.status !== 'OPEN') throw new BillNotOpenError(billId, String(bill.status));
    const firstSeq = Number(bill.last_seq ?? 0) + 1;
    const inserted = items.length === 0 ? [] : await trx('line_items')
      .insert(items.map((item, index) => ({
        id: item.id,
        bill_id: billId,
        seq: firstSeq + index,
        idempotency_key: item.idempotencyKey,
        description: item.description,
        quantity: item.quantity,
        unit_price: item.unitPrice,
        currency: item.currency,
        amount_minor: item.amountMinor,
        converted_minor: item.convertedMinor,
        rate: item.rate,
        rate_source: item.rateSource,
        rate_as_of: item.rateAsOf,
        rate_id: item.rateId ?? null,
        metadata: JSON.stringify(item.metadata),
        added_at: item.addedAt,
      })))
      .onConflict(['bill_id', 'idempotency_key'])
      .ignore()
      .returning('*') as Array<Record<string, unknown>>;

    let totalMinor = BigInt(String(bill.total_minor));
    const subtotals = new Map(Object.entries(bill.subtotals as Record<string, string>).map(([code, minor]) => [code, BigInt(minor)]));
    for (const row of inserted) {
      totalMinor += BigInt(String(row.converted_minor ?? row.amount_minor));
      const code = row.currency as string;
      subtotals.set(code, (subtotals.get(code) ?? 0n) + BigInt(String(row.amount_minor)));
    }
    const totals: BillTotals = {
      itemCount: Number(bill.item_count) + inserted.length,
      totalMinor: totalMinor.toString(),
      subtotalsMinor: Object.fromEntries([...subtotals].map(([code, minor]) => [code, minor.toString()])),
      updatedAt,
    };
    if (inserted.length > 0) {
      await trx('bills').where({ id: billId }).update({
        item_count: totals.itemCount,
        total_minor: totals.totalMinor,
        subtotals: JSON.stringify(totals.subtotalsMinor),
        updated_at: updatedAt,
      });
    }
    const keys = items.map((item) => item.idempotencyKey);
    const byKey = new Map(inserted.map((row) => [String(row.idempotency_key), toStoredLineItem(row)]));
    const insertedItems = [...byKey.values()];
    // Keys the table already had (a retried write, a repeat in the batch) are read back as stored.
    const earlier = keys.filter((key) => !byKey.has(key));
    if (earlier.length > 0) {
      const rows = await trx('line_items').where({ bill_id: billId }).whereIn('idempotency_key', earlier) as Array<Record<string, unknown>>;
      for (const row of rows) byKey.set(String(row.idempotency_key), toStoredLineItem(row));
    }
    await recordItemsAdded(trx, { id: billId, customerId: String(bill.customer_id), currency: String(bill.currency) }, insertedItems);
    return {
      items: keys.map((key) => byKey.get(key) as StoredLineItem),
      insertedKeys: inserted.map((row) => row.idempotency_key as string),
      totals,
    };
  });
}

export async function findLineItem(db: Db, billId: string, idempotencyKey: string): Promise<StoredLineItem | undefined> {
  const row = await db('line_items').where({ bill_id: billId, idempotency_key: idempotencyKey }).first() as Record<string, unknown> | undefined;
  if (!row) return undefined;
  return toStoredLineItem(row);
}

function toStoredLineItem(row: Record<string, unknown>): StoredLineItem {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  const time = (value: unknown) => (value instanceof Date ? value.toISOString() : text(value));
  return {
    id: String(row.id),
    seq: Number(row.seq),
    idempotencyKey: String(row.idempotency_key),
    description: String(row.description),
    quantity: String(row.quantity),
    unitPrice: String(row.unit_price),
    currency: String(row.currency),
    amountMinor: String(row.amount_minor),
    convertedMinor: text(row.converted_minor),
    rate: text(row.rate),
    rateSource: text(row.rate_source),
    rateAsOf: time(row.rate_as_of),
    metadata: row.metadata as Record<string, string>,
    addedAt: time(row.added_at) as string,
  };
}

/**
 * Moves the bill from OPEN to CLOSING and, in the same transaction, turns its period's usage into
 * line items added to its totals (usage-lines.ts). Only a bill that becomes CLOSING here does
 * either: a retried call changes nothing, writes no line twice and says nothing. Usage priced in
 * another currency is converted at rates from `rates`, fetched and recorded first; without
 * `rates` such usage is written at zero with the reason.
 */
export async function setBillStatus(db: Db, billId: string, status: 'CLOSING', updatedAt: string, rates?: ExchangeRatePort): Promise<void> {
  let usageRates: UsageRates = new Map();
  if (rates) {
    const bill = await db('bills').where({ id: billId }).first('status', 'customer_id', 'currency') as Record<string, unknown> | undefined;
    if (!bill || bill.status !== 'OPEN') return; // closing was recorded already
    usageRates = await usageRatesFor(db, String(bill.customer_id), String(bill.currency), rates);
  }
  await db.transaction(async (trx) => {
    const bill = await trx('bills').where({ id: billId }).forUpdate()
      .first('status', 'customer_id', 'currency', 'period_start', 'period_end', 'item_count', 'total_minor', 'subtotals') as
      Record<string, unknown> | undefined;
    if (!bill || bill.status !== 'OPEN') return; // idempotent early return: closing was recorded already
    const last = await trx('line_items').where({ bill_id: billId }).max('seq as seq').first() as { seq: number | null };
    const currency = String(bill.currency);
    const usage = await writeUsageLines(trx, {
      id: billId, customerId: String(bill.customer_id), currency,
      periodStart: bill.period_start as Date, periodEnd: bill.period_end as Date,
    }, (last.seq ?? 0) + 1, updatedAt, usageRates);
    const changes: Record<string, unknown> = { status, updated_at: updatedAt };
    if (usage.length > 0) {
      // As for items: the total adds each line in the bill currency, a subtotal per line currency.
      let totalMinor = BigInt(String(bill.total_minor));
      const subtotals = new Map(Object.entries(bill.subtotals as Record<string, string>).map(([code, minor]) => [code, BigInt(minor)]));
      for (const line of usage) {
        totalMinor += BigInt(line.convertedMinor ?? line.amountMinor);
        subtotals.set(line.currency, (subtotals.get(line.currency) ?? 0n) + BigInt(line.amountMinor));
      }
      changes.item_count = Number(bill.item_count) + usage.length;
      changes.total_minor = totalMinor.toString();
      changes.subtotals = JSON.stringify(Object.fromEntries([...subtotals].map(([code, minor]) => [code, minor.toString()])));
    }
    await trx('bills').where({ id: billId }).update(changes);
    await recordItemsAdded(trx, { id: billId, customerId: String(bill.customer_id), currency }, usage);
    await recordBillEvent(trx, 'bill.closing', billId);
  });
}

/**
 * Gives the bill its invoice number unless it already has one, in one transaction: the counter
 * row for the year is locked by the upsert, so concurrent closes get consecutive numbers, and a
 * retried call finds the number already on the bill and takes no new one (no gaps).
 */
export async function assignInvoiceNumber(db: Db, billId: string, year: number,
  format: (year: number, sequence: number) => string): Promise<string> {
  return db.transaction(async (trx) => {
    const bill = await trx('bills').where({ id: billId }).forUpdate().first('invoice_number') as { invoice_number: string | null } | undefined;
    if (!bill) throw new Error(`bill ${billId} is not in the database`);
    if (bill.invoice_number) return bill.invoice_number; // idempotent early return: a retry keeps its number
    const counter = await trx.raw(`
      INSERT INTO invoice_counters (year, last_number) VALUES (?, 1)
      ON CONFLICT (year) DO UPDATE SET last_number = invoice_counters.last_number + 1
      RETURNING last_number`, [year]) as { rows: Array<{ last_number: number }> };
    const sequence = counter.rows[0]?.last_number;
    if (sequence === undefined) throw new Error('invoice counter returned no row');
    const number = format(year, sequence);
    await trx('bills').where({ id: billId }).update({ invoice_number: number });
    return number;
  });
}

/**
 * Writes the final bill. Totals are already there (kept with every batch of items), so closing
 * only locks them, and stores the invoice documents `render` makes in the same transaction; a
 * bill already CLOSED is left alone (the trigger forbids changes).
 */
export async function closeBill(db: Db, billId: string, closedAt: string,
  render: (input: Omit<InvoiceInput, 'seller'>) => Promise<InvoiceDocuments>): Promise<BillTotals> {
  return db.transaction(async (trx) => {
    const bill = await trx('bills').where({ id: billId }).forUpdate()
      .first('status', 'item_count', 'total_minor', 'subtotals', 'closed_at') as Record<string, unknown> | undefined;
    if (!bill) throw new Error(`bill ${billId} is not in the database`);
    if (bill.status !== 'CLOSED') {
      const rendered = await render(await invoiceInputOf(trx, billId, closedAt));
      const version = await storeInvoiceDocuments(trx, billId, rendered);
      await trx('bills').where({ id: billId }).update({ status: 'CLOSED', updated_at: closedAt, closed_at: closedAt });
      await recordBillEvent(trx, 'bill.closed', billId);
      await recordInvoiceFinalized(trx, billId, version, rendered.documents);
    }
    return {
      itemCount: Number(bill.item_count),
      totalMinor: String(bill.total_minor),
      subtotalsMinor: bill.subtotals as Record<string, string>,
      updatedAt: closedAt,
    };
  });
}

export interface LockedTotal {
  customerId: string;
  currency: string;
  totalMinor: string;
  status: string;
}

/** What the bill's invoice is for: who owes it and its total, read once the total can no longer change. */
export async function lockedTotal(db: Db, billId: string): Promise<LockedTotal> {
  const bill = await db('bills').where({ id: billId }).first('customer_id', 'currency', 'total_minor', 'status') as
    Record<string, unknown> | undefined;
  if (!bill) throw new Error(`bill ${billId} is not in the database`);
  return {
    customerId: String(bill.customer_id), currency: String(bill.currency), totalMinor: String(bill.total_minor), status: String(bill.status),
  };
}

export async function failBill(db: Db, billId: string, reason: string, updatedAt: string): Promise<{ invoiceNumber: string | null }> {
  return db.transaction(async (trx) => {
    const changed = await trx('bills').where({ id: billId }).whereNotIn('status', ['CLOSED', 'FAILED']).update({
      status: 'FAILED', failure_reason: reason, updated_at: updatedAt,
    });
    if (changed > 0) await recordBillEvent(trx, 'bill.failed', billId);
    const row = await trx('bills').where({ id: billId }).first('invoice_number') as { invoice_number: string | null } | undefined;
    return { invoiceNumber: row?.invoice_number ?? null };
  });
}

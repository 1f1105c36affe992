// SQL for the bill read model. Every write is idempotent, because activities run at least once:
// inserts do nothing on conflict, and a bill's totals grow only by the items the same write
// actually inserted, so a retried write, which inserts nothing new, cannot add anything twice.
import { EVENTS_CHANNEL, eventWritingCtes, newEventId, prepared, preparedTransaction, type Db, type StatementTarget } from '@billing/db';
import { itemAddedDataAsGiven, recordBillEvent, recordInvoiceFinalized, recordItemsAdded } from './bill-events.ts';
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

// Named, as every prepared statement's result columns must be (see `prepared` in @billing/db).
const LINE_ITEM_COLUMNS = `id, seq, idempotency_key, description, quantity, unit_price, currency, amount_minor, converted_minor,
                       rate, rate_source, rate_as_of, metadata, added_at`;

const LINE_ITEMS_BY_KEYS = `SELECT ${LINE_ITEM_COLUMNS} FROM line_items WHERE bill_id = $1 AND idempotency_key = ANY($2::text[])`;

// One prepared statement, under the bill row's lock: reads the row and its last item's number, inserts the
// items numbered after it unless the bill is no longer OPEN (a key the bill already has is skipped),
// adds only the items it inserted to the row's count, total and per-currency subtotals, and returns
// the row as it ends up with one row per inserted item, plus one per key the bill had before
// ("earlier"). Subtotals are kept as exact integers: numeric in SQL, strings in jsonb. An item given
// with an event id and its event's data ($17, $18) also gets its `bill.item_added` event, numbered
// in the order of the items' numbers and announced on $19 (eventWritingCtes); the statement is then
// all of the write, which PostgreSQL commits or refuses whole without a transaction around it.
const INSERT_LINE_ITEMS = `
  WITH bill AS (
    SELECT b.id, b.status, b.customer_id, b.currency, b.item_count, b.total_minor, b.subtotals,
           (SELECT max(seq) FROM line_items WHERE bill_id = b.id) AS last_seq
      FROM bills AS b WHERE b.id = $1 FOR UPDATE OF b
  ), given AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                         $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $17::text[], $18::text[]) WITH ORDINALITY
      AS g (id, idempotency_key, description, quantity, unit_price, currency, amount_minor, converted_minor, rate,
            rate_source, rate_as_of, rate_id, metadata, added_at, event_id, event_data, n)
  ), inserted AS (
    INSERT INTO line_items (id, bill_id, seq, idempotency_key, description, quantity, unit_price, currency, amount_minor,
                            converted_minor, rate, rate_source, rate_as_of, rate_id, metadata, added_at)
    SELECT g.id, bill.id, coalesce(bill.last_seq, 0) + g.n, g.idempotency_key, g.description, g.quantity::numeric,
           g.unit_price::numeric, g.currency, g.amount_minor::numeric, g.converted_minor::numeric, g.rate::numeric,
           g.rate_source, g.rate_as_of::timestamptz, g.rate_id, g.metadata::jsonb, g.added_at::timestamptz
      FROM given AS g, bill WHERE bill.status = 'OPEN'
      ORDER BY g.n
    ON CONFLICT (bill_id, idempotency_key) DO NOTHING
    RETURNING ${LINE_ITEM_COLUMNS}
  ), added AS (
    SELECT count(*)::integer AS count, coalesce(sum(coalesce(converted_minor, amount_minor)), 0) AS total_minor FROM inserted
  ), subtotals AS (
    SELECT coalesce(jsonb_object_agg(code, minor::text), '{}'::jsonb) AS subtotals FROM (
      SELECT code, sum(minor) AS minor FROM (
        SELECT e.key AS code, e.value::numeric AS minor FROM bill, jsonb_each_text(bill.subtotals) AS e
        UNION ALL SELECT currency::text, amount_minor FROM inserted
      ) AS parts GROUP BY code
    ) AS sums
  ), updated AS (
    UPDATE bills AS b SET item_count = b.item_count + added.count, total_minor = b.total_minor + added.total_minor,
                          subtotals = subtotals.subtotals, updated_at = $16::timestamptz
      FROM added, subtotals WHERE b.id = $1 AND added.count > 0
    RETURNING b.item_count, b.total_minor, b.subtotals
  ), item_events AS (
    SELECT g.event_id AS id, 'bill.item_added'::text AS type, bill.customer_id, g.event_data AS data, i.seq AS n
      FROM inserted AS i JOIN given AS g ON g.id = i.id CROSS JOIN bill
     WHERE g.event_data IS NOT NULL
  ), ${eventWritingCtes('item_events', '$19')}, items AS (
    SELECT true AS is_new, * FROM inserted
    UNION ALL
    SELECT false, ${LINE_ITEM_COLUMNS} FROM line_items AS l
     WHERE l.bill_id = $1 AND l.idempotency_key = ANY ($3::text[])
  )
  SELECT bill.status AS bill_status, bill.customer_id AS bill_customer_id, bill.currency AS bill_currency,
         coalesce(updated.item_count, bill.item_count) AS bill_item_count,
         coalesce(updated.total_minor, bill.total_minor)::text AS bill_total_minor,
         coalesce(updated.subtotals, bill.subtotals) AS bill_subtotals,
         (SELECT count(*) FROM announced_events)::integer AS events_written, items.*
    FROM bill LEFT JOIN updated ON true LEFT JOIN items ON true`;

/**
 * Stores a batch of items and adds only the ones actually inserted to the bill's totals, under the
 * bill row's lock, with one `bill.item_added` event per inserted item, all committed together. A
 * repeated key is skipped, so a retried call, or a call whose result the workflow never recorded,
 * can neither double an item nor its amount. When every item's event can be built from the item as
 * given (itemAddedDataAsGiven) the items, the totals and the events are one statement; otherwise a
 * transaction of two, the events built from the rows the first returns.
 */
export async function insertLineItems(db: Db, billId: string, items: readonly NewLineItem[], updatedAt: string): Promise<InsertedLineItems> {
  const keys = items.map((item) => item.idempotencyKey);
  const column = <K extends keyof NewLineItem>(key: K, as: (value: NewLineItem[K]) => string | null = (value) => (value === undefined || value === null ? null : String(value))) =>
    items.map((item) => as(item[key]));
  const eventData = items.map((item) => itemAddedDataAsGiven(billId, item));
  const eventsInStatement = eventData.every((data) => data !== undefined);
  const write = async (target: StatementTarget) => {
    const rows = await prepared<Record<string, unknown>>(target, 'insert_line_items', INSERT_LINE_ITEMS, [
      billId,
      column('id'), column('idempotencyKey'), column('description'), column('quantity'), column('unitPrice'), column('currency'),
      column('amountMinor'), column('convertedMinor'), column('rate'), column('rateSource'), column('rateAsOf'), column('rateId'),
      column('metadata', (metadata) => JSON.stringify(metadata)), column('addedAt'),
      updatedAt,
      eventsInStatement ? items.map(() => newEventId()) : items.map(() => null),
      eventsInStatement ? eventData : items.map(() => null),
      EVENTS_CHANNEL,
    ]);
    const bill = rows[0];
    if (!bill) throw new Error(`bill ${billId} is not in the database`);
    if (bill.bill_status !== 'OPEN') throw new BillNotOpenError(billId, String(bill.bill_status));
    const itemRows = rows.filter((row) => row.id !== null);
    const inserted = itemRows.filter((row) => row.is_new === true).map(toStoredLineItem).sort((a, b) => a.seq - b.seq);
    const byKey = new Map(itemRows.filter((row) => row.is_new === false).map((row) => [String(row.idempotency_key), toStoredLineItem(row)]));
    for (const item of inserted) byKey.set(item.idempotencyKey, item);
    const totals: BillTotals = {
      itemCount: Number(bill.bill_item_count),
      totalMinor: String(bill.bill_total_minor),
      subtotalsMinor: bill.bill_subtotals as Record<string, string>,
      updatedAt,
    };
    return { bill: { id: billId, customerId: String(bill.bill_customer_id), currency: String(bill.bill_currency) }, inserted, byKey, totals };
  };
  // A key another transaction stored while the statement waited for the row's lock is not in the
  // statement's snapshot; a new statement sees it.
  const withLateKeys = async (target: StatementTarget, byKey: Map<string, StoredLineItem>) => {
    const missing = keys.filter((key) => !byKey.has(key));
    if (missing.length === 0) return;
    const late = await prepared<Record<string, unknown>>(target, 'line_items_by_keys', LINE_ITEMS_BY_KEYS, [billId, missing]);
    for (const row of late) byKey.set(String(row.idempotency_key), toStoredLineItem(row));
  };
  const answer = ({ inserted, byKey, totals }: Awaited<ReturnType<typeof write>>): InsertedLineItems => ({
    items: keys.map((key) => byKey.get(key) as StoredLineItem),
    insertedKeys: inserted.map((item) => item.idempotencyKey),
    totals,
  });
  if (eventsInStatement) {
    const written = await write(db);
    await withLateKeys(db, written.byKey);
    return answer(written);
  }
  return preparedTransaction(db, async (trx) => {
    const written = await write(trx);
    await withLateKeys(trx, written.byKey);
    await recordItemsAdded(trx, written.bill, written.inserted);
    return answer(written);
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

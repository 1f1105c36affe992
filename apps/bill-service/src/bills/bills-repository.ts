import type { Knex } from 'knex';
import { billSummaryOfRow, type BillRow, type StoredLineItemFields } from '@billing/bills';
import { EVENTS_CHANNEL, eventWritingCtes, newEventId, prepared } from '@billing/db';
import { billResource } from '@billing/resources';

export type { BillRow } from '@billing/bills';

/** A `bills` row as bill-service reads it: with the Idempotency-Key its create came with, if any. */
export type StoredBillRow = BillRow & { create_idempotency_key: string | null };

/** A stored line item, its columns named as @billing/bills names them, with its position in the bill. */
export interface LineItemRow extends StoredLineItemFields {
  seq: number;
}

// numeric columns without a declared scale keep the digits they were given, so quantities,
// unit prices and rates read back exactly as the caller (or the rates service) wrote them.
const LINE_ITEM_COLUMNS = {
  id: 'id',
  seq: 'seq',
  idempotencyKey: 'idempotency_key',
  description: 'description',
  quantity: 'quantity',
  unitPrice: 'unit_price',
  currency: 'currency',
  amountMinor: 'amount_minor',
  convertedMinor: 'converted_minor',
  rate: 'rate',
  rateSource: 'rate_source',
  rateAsOf: 'rate_as_of',
  metadata: 'metadata',
  addedAt: 'added_at',
} as const satisfies Record<keyof LineItemRow, string>;

// Its columns named, as every prepared statement's must be (see `prepared`).
const STORED_BILL_COLUMNS = `id, customer_id, billing_period, currency, time_zone, status, period_start, period_end, item_count,
    total_minor, subtotals, invoice_number, failure_reason, workflow_id, created_at, updated_at, closed_at, create_idempotency_key`;

const FIND_BILL = `SELECT ${STORED_BILL_COLUMNS} FROM bills WHERE customer_id = $1 AND billing_period = $2`;

// The OPEN bill unless a row holds its id or its (customer, period) already (no conflict target:
// the workflow inserting the same row at the same moment collides on both keys, and PostgreSQL
// resolves only a conflict on a named target, raising the other as a unique violation), and, when
// this inserts it, its `bill.created` event ($12, $13), numbered and announced on $14
// (eventWritingCtes): one statement, which PostgreSQL commits or refuses whole.
const INSERT_OPEN_BILL = `
  WITH inserted AS (
    INSERT INTO bills (id, customer_id, billing_period, currency, time_zone, status, period_start, period_end, workflow_id,
                       created_at, updated_at, create_idempotency_key)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
    ON CONFLICT DO NOTHING
    RETURNING ${STORED_BILL_COLUMNS}
  ), created_events AS (
    SELECT $12::text AS id, 'bill.created'::text AS type, i.customer_id, $13::text AS data, 1 AS n FROM inserted AS i
  ), ${eventWritingCtes('created_events', '$14')}
  SELECT ${STORED_BILL_COLUMNS}, (SELECT count(*) FROM announced_events)::integer AS events_written FROM inserted`;

type NewOpenBill = Omit<StoredBillRow, 'created_at' | 'updated_at' | 'closed_at' | 'item_count' | 'total_minor' | 'subtotals' | 'invoice_number' |
  'failure_reason'> & { created_at: Date };

/** The row PostgreSQL stores for a new OPEN bill: the given columns and the table's defaults. */
function openBillAsInserted(row: NewOpenBill): StoredBillRow {
  return {
    ...row, updated_at: row.created_at, closed_at: null, item_count: 0, total_minor: '0', subtotals: {}, invoice_number: null,
    failure_reason: null,
  };
}

export interface BillFilter {
  customerId: string;
  status?: BillRow['status'];
  from?: string;
  to?: string;
  /** Keyset cursor: rows strictly after this period (the list runs newest first). */
  beforePeriod?: string;
  limit: number;
}

async function setCreateKey(db: Knex, billId: string, idempotencyKey: string): Promise<void> {
  await db('bills').where({ id: billId }).whereNull('create_idempotency_key').update({ create_idempotency_key: idempotencyKey });
}

/** Reads of the bill read model. Writes belong to the workflow's activities. */
export function billsRepository(db: Knex) {
  return {
    /** Every add and every read of one bill starts here: a prepared statement (see FIND_BILL). */
    async find(customerId: string, billingPeriod: string, trx: Knex = db): Promise<StoredBillRow | undefined> {
      const [row] = await prepared<StoredBillRow>(trx, 'find_bill', FIND_BILL, [customerId, billingPeriod]);
      return row;
    },

    /**
     * Inserts the OPEN bill unless it is there already (the workflow may write the same row);
     * whichever inserts it writes `bill.created` in the same statement. The create's key is set
     * either way: the workflow's row does not carry it. Returns the row when this call inserted it.
     */
    async insertOpen(row: NewOpenBill): Promise<StoredBillRow | undefined> {
      // The data is the bill as the REST API shows it (the worker's `bill.created` is built the same
      // way); an OPEN bill owes nothing yet. Its times are whole milliseconds, which PostgreSQL
      // gives back as they were, so the row as inserted is known before the insert.
      const data = billResource(billSummaryOfRow(openBillAsInserted(row)), 0n);
      const [inserted] = await prepared<StoredBillRow>(db, 'insert_open_bill', INSERT_OPEN_BILL, [
        row.id, row.customer_id, row.billing_period, row.currency, row.time_zone, row.status, row.period_start, row.period_end,
        row.workflow_id, row.created_at, row.create_idempotency_key, newEventId(), JSON.stringify(data), EVENTS_CHANNEL,
      ]);
      if (inserted) {
        const { events_written: _written, ...stored } = inserted as StoredBillRow & { events_written: number };
        return stored;
      }
      if (row.create_idempotency_key !== null) await setCreateKey(db, row.id, row.create_idempotency_key);
      return undefined;
    },

    /** Records the key a bill was created with, on a row written without it (by its workflow). */
    async setCreateKey(billId: string, idempotencyKey: string): Promise<void> {
      await setCreateKey(db, billId, idempotencyKey);
    },

    /** The bill's item stored under an idempotency key, if any. */
    async itemByKey(billId: string, idempotencyKey: string): Promise<LineItemRow | undefined> {
      return db('line_items').select(LINE_ITEM_COLUMNS).where({ bill_id: billId, idempotency_key: idempotencyKey }).first() as Promise<LineItemRow | undefined>;
    },

    async items(billId: string, afterSeq: number, limit: number): Promise<LineItemRow[]> {
      return db('line_items').select(LINE_ITEM_COLUMNS).where('bill_id', billId).andWhere('seq', '>', afterSeq)
        .orderBy('seq', 'asc').limit(limit) as Promise<LineItemRow[]>;
    },

    async list(filter: BillFilter): Promise<BillRow[]> {
      const query = db<BillRow>('bills').where('customer_id', filter.customerId);
      if (filter.status) query.andWhere('status', filter.status);
      if (filter.from) query.andWhere('billing_period', '>=', filter.from);
      if (filter.to) query.andWhere('billing_period', '<=', filter.to);
      if (filter.beforePeriod) query.andWhere('billing_period', '<', filter.beforePeriod);
      return query.orderBy('billing_period', 'desc').limit(filter.limit);
    },
  };
}

export type BillsRepository = ReturnType<typeof billsRepository>;

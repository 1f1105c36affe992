import type { Knex } from 'knex';
import { billSummaryOfRow, type BillRow, type StoredLineItemFields } from '@billing/bills';
import { prepared, recordEvent } from '@billing/db';
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
const FIND_BILL = `SELECT id, customer_id, billing_period, currency, time_zone, status, period_start, period_end, item_count,
    total_minor, subtotals, invoice_number, failure_reason, workflow_id, created_at, updated_at, closed_at, create_idempotency_key
  FROM bills WHERE customer_id = $1 AND billing_period = $2`;

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
     * whichever inserts it writes `bill.created` in the same transaction. The create's key is set
     * either way: the workflow's row does not carry it. Returns the row when this call inserted it.
     */
    async insertOpen(row: Omit<StoredBillRow, 'created_at' | 'updated_at' | 'closed_at' | 'item_count' | 'total_minor' | 'subtotals' | 'invoice_number' | 'failure_reason'> & { created_at: Date }): Promise<StoredBillRow | undefined> {
      return db.transaction(async (trx) => {
        // No conflict target: the workflow inserting the same row at the same moment collides on the
        // (customer, period) key as well as on the id, and PostgreSQL resolves only a conflict on the
        // named target, raising the other as a unique violation.
        const [inserted] = await trx('bills').insert({ ...row, updated_at: row.created_at }).onConflict().ignore().returning('*') as StoredBillRow[];
        // The data is the bill as the REST API shows it (the worker's `bill.created` is built the same
        // way); an OPEN bill owes nothing yet.
        if (inserted) {
          await recordEvent(trx, { type: 'bill.created', customerId: inserted.customer_id, data: billResource(billSummaryOfRow(inserted), 0n) });
        } else if (row.create_idempotency_key !== null) {
          await setCreateKey(trx, row.id, row.create_idempotency_key);
        }
        return inserted;
      });
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

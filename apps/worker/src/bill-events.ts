// The `bill.*` events, written inside the transaction of the read-model change they describe. Their
// data is the bill as the REST API shows it in a list of bills right after the change (built by the
// same mapping, @billing/resources), or for `bill.item_added` the item as the REST API shows it,
// with its bill's id.
import { billSummaryOfRow, lineItemView, type BillRow } from '@billing/bills';
import { recordEvent, recordEvents, type DbTransaction, type EventType } from '@billing/db';
import { billResource, lineItemResource } from '@billing/resources';
import type { StoredLineItem } from './bill-repository.ts';

type BillEventType = Extract<EventType, `bill.${string}`>;

/**
 * What a bill owes at the moment of an event. Only a CLOSED bill owes anything, and the workflow
 * posts its invoice (for the whole total) before it marks the bill CLOSED, while a payment can only
 * be made on a CLOSED bill: so at `bill.closed` the bill owes exactly its total. Later payments and
 * refunds change what a read shows; the event keeps what was true when it was written.
 */
function amountDueMinor(row: BillRow): bigint {
  return row.status === 'CLOSED' ? BigInt(row.total_minor) : 0n;
}

/** Records `type` with the bill's row as this transaction sees it. */
export async function recordBillEvent(trx: DbTransaction, type: BillEventType, billId: string): Promise<void> {
  const row = await trx('bills').where({ id: billId }).first() as BillRow | undefined;
  if (!row) throw new Error(`bill ${billId} is not in the database`);
  await recordEvent(trx, { type, customerId: row.customer_id, data: billResource(billSummaryOfRow(row), amountDueMinor(row)) });
}

/** One `bill.item_added` per item this transaction inserted, in the order they were added. */
export async function recordItemsAdded(trx: DbTransaction, bill: { id: string; customerId: string; currency: string },
  items: readonly StoredLineItem[]): Promise<void> {
  await recordEvents(trx, [...items].sort((a, b) => a.seq - b.seq).map((item) => ({
    type: 'bill.item_added' as const,
    customerId: bill.customerId,
    data: { billId: bill.id, ...lineItemResource(lineItemView(item, bill.currency)) },
  })));
}

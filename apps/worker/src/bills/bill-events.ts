// The `bill.*` events, written inside the transaction of the read-model change they describe. Their
// data is the bill as the REST API shows it in a list of bills right after the change (built by the
// same mapping, @billing/resources), or for `bill.item_added` the item as the REST API shows it,
// with its bill's id.
import { billSummaryOfRow, lineItemView, type BillRow } from '@billing/bills';
import { billSums, recordEvent, recordEvents, type DbTransaction, type EventType, type PreparedTransaction } from '@billing/db';
import { amountDue } from '@billing/ledger';
import { billResource, invoiceDocumentPath, lineItemResource } from '@billing/resources';
import type { NewLineItem, StoredLineItem } from './bill-repository.ts';

type BillEventType = Extract<EventType, `bill.${string}`>;

/**
 * What a bill owes at the moment of an event, by the rule and query bill-service shows it with. Only
 * a CLOSED bill owes anything. The workflow posts its invoice before it marks the bill CLOSED, so at
 * `bill.closed` it owes its total less what was already paid on it (the mandate collections booked
 * against it). Payments and refunds after that change what a read shows, not the event written.
 */
async function amountDueMinor(trx: DbTransaction, row: BillRow): Promise<bigint> {
  if (row.status !== 'CLOSED') return 0n;
  const sums = (await billSums(trx, [row.id])).get(row.id);
  return sums ? amountDue(sums) : 0n;
}

/** Records `type` with the bill's row as this transaction sees it. */
export async function recordBillEvent(trx: DbTransaction, type: BillEventType, billId: string): Promise<void> {
  const row = await trx('bills').where({ id: billId }).first() as BillRow | undefined;
  if (!row) throw new Error(`bill ${billId} is not in the database`);
  const data = billResource(billSummaryOfRow(row), await amountDueMinor(trx, row));
  await recordEvent(trx, { type, customerId: row.customer_id, data });
}

/** One `bill.item_added` per item this transaction inserted, in the order they were added. */
export async function recordItemsAdded(trx: DbTransaction | PreparedTransaction, bill: { id: string; customerId: string; currency: string },
  items: readonly StoredLineItem[]): Promise<void> {
  await recordEvents(trx, [...items].sort((a, b) => a.seq - b.seq).map((item) => ({
    type: 'bill.item_added' as const,
    customerId: bill.customerId,
    data: { billId: bill.id, ...lineItemResource(lineItemView(item, bill.currency)) },
  })));
}

// PostgreSQL gives a `numeric` back with exactly the digits it was given when they are written
// plainly: no sign but a minus on a value other than zero, no leading zero, no exponent.
const PLAIN_DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;
// And a timestamp read back through the driver (a Date) shows as this text when it was this text.
const ISO_MILLISECONDS = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

const storedAsGivenDecimal = (text: string) => PLAIN_DECIMAL.test(text) && !NEGATIVE_ZERO.test(text);
const storedAsGivenTime = (text: string) => ISO_MILLISECONDS.test(text) && !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text;

/**
 * The data of an item's `bill.item_added` event as JSON text, built from the item as given, when
 * reading the item back from PostgreSQL is sure to give the same event: its numbers and times are
 * written as the database writes them back, its text is well-formed Unicode, and it is in its
 * bill's currency (a converted item's event needs the bill's currency, which the item does not
 * carry). Otherwise undefined: its event is built from the row the insert returns.
 */
export function itemAddedDataAsGiven(billId: string, item: NewLineItem): string | undefined {
  if (item.convertedMinor !== null || item.rate !== null || item.rateSource !== null || item.rateAsOf !== null) return undefined;
  if (![item.quantity, item.unitPrice, item.amountMinor].every(storedAsGivenDecimal) || !storedAsGivenTime(item.addedAt)) return undefined;
  const texts = [item.id, item.idempotencyKey, item.description, item.currency, ...Object.entries(item.metadata).flat()];
  if (!texts.every((text) => text.isWellFormed())) return undefined;
  return JSON.stringify({ billId, ...lineItemResource(lineItemView(item, item.currency)) });
}

/**
 * `invoice.finalized`, written with the documents the close stored (after `bill.closed`, in the same
 * transaction): which version, each form's SHA-256 and the path the REST API serves it at.
 */
export async function recordInvoiceFinalized(trx: DbTransaction, billId: string, version: number,
  documents: ReadonlyArray<{ format: 'pdf' | 'html' | 'xml'; contentType: string; sha256: string }>): Promise<void> {
  const bill = await trx('bills').where({ id: billId }).first('customer_id', 'billing_period', 'invoice_number') as
    { customer_id: string; billing_period: string; invoice_number: string } | undefined;
  if (!bill) throw new Error(`bill ${billId} is not in the database`);
  const linked = Object.fromEntries(documents.map((document) => [document.format, {
    url: invoiceDocumentPath(bill.customer_id, bill.billing_period, document.format), contentType: document.contentType, sha256: document.sha256,
  }]));
  await recordEvent(trx, {
    type: 'invoice.finalized',
    customerId: bill.customer_id,
    data: {
      billId, customerId: bill.customer_id, billingPeriod: bill.billing_period, invoiceNumber: bill.invoice_number, version,
      documents: { pdf: linked.pdf, html: linked.html, xml: linked.xml },
    },
  });
}

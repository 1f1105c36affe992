import { BillStatus, type Bill, type LineItem } from '@billing/contracts';
import { enumName, enumValue, moneyJson as money, optionalTimeJson as optionalTime, serviceBug } from './proto-json.ts';
import { requiredTimestamp } from './schemas/timestamp.ts';

// billing.v1 messages → the JSON of the public REST contract (served as /openapi.json), in this
// one module. Absent optional fields become null, never a missing key, so clients can rely on
// every documented field being present.

export type BillStatusName = Exclude<keyof typeof BillStatus, 'UNSPECIFIED'>;

/** The status a client names in a list filter, as billing.v1 spells it; none means any. */
export function billStatusValue(name: BillStatusName | undefined): BillStatus {
  return enumValue(BillStatus, name);
}

function statusName(status: BillStatus): BillStatusName {
  return enumName(BillStatus, status, 'status');
}

export function lineItemJson(item: LineItem) {
  return {
    id: item.id,
    idempotencyKey: item.idempotencyKey,
    description: item.description,
    quantity: item.quantity,
    unitPrice: money(item.unitPrice, 'unitPrice'),
    amount: money(item.amount, 'amount'),
    convertedAmount: item.convertedAmount === undefined ? null : money(item.convertedAmount, 'convertedAmount'),
    exchangeRate: item.exchangeRate === undefined
      ? null
      : {
          rate: item.exchangeRate.rate,
          source: item.exchangeRate.source,
          asOf: requiredTimestamp(item.exchangeRate.asOf, 'exchangeRate.asOf'),
        },
    metadata: { ...item.metadata },
    addedAt: requiredTimestamp(item.addedAt, 'addedAt'),
  };
}

/** A bill without its items, as lists show it. */
export function billSummaryJson(bill: Bill) {
  return {
    id: bill.id,
    customerId: bill.customerId,
    billingPeriod: bill.billingPeriod,
    currency: bill.currency,
    timeZone: bill.timeZone,
    status: statusName(bill.status),
    periodStart: requiredTimestamp(bill.periodStart, 'periodStart'),
    periodEnd: requiredTimestamp(bill.periodEnd, 'periodEnd'),
    itemCount: bill.itemCount,
    total: money(bill.total, 'total'),
    amountDue: money(bill.amountDue, 'amountDue'),
    subtotalsByCurrency: bill.subtotalsByCurrency.map((subtotal) => money(subtotal, 'subtotal')),
    invoiceNumber: bill.invoiceNumber ?? null,
    failureReason: bill.failureReason ?? null,
    createdAt: requiredTimestamp(bill.createdAt, 'createdAt'),
    updatedAt: requiredTimestamp(bill.updatedAt, 'updatedAt'),
    closedAt: optionalTime(bill.closedAt),
  };
}

export function billJson(bill: Bill) {
  return { ...billSummaryJson(bill), items: bill.items.map(lineItemJson) };
}

/** A page of a bill's items. */
export function lineItemPageJson(page: { items: LineItem[]; nextCursor?: string }) {
  return { items: page.items.map(lineItemJson), nextCursor: page.nextCursor ?? null };
}

/** A page of a customer's bills, without their items. */
export function billPageJson(page: { bills: Bill[]; nextCursor?: string }) {
  return { items: page.bills.map(billSummaryJson), nextCursor: page.nextCursor ?? null };
}

/** A bill a service must always send; its absence is the service's bug, not the client's. */
export function requiredBill(bill: Bill | undefined): Bill {
  if (bill === undefined) throw serviceBug('bill');
  return bill;
}

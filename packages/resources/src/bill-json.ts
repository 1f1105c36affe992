// billing.v1 bills and line items → the JSON of the public REST contract, in this one place: the
// gateway serves it, and the worker writes it as the data of `bill.*` events. Absent optional
// fields become null, never a missing key, so clients can rely on every documented field.
import { BillStatus, type Bill, type LineItem } from '@billing/contracts';
import { enumName, moneyJson as money, optionalTimeJson as optionalTime, requiredTimestamp } from './proto-json.ts';

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
    status: enumName(BillStatus, bill.status, 'status'),
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

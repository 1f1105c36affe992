// A bill and its items (the workflow's view shapes of @billing/bills) as billing.v1 messages, in
// this one place: bill-service answers with them, and the worker maps them on to the REST JSON
// for the data of `bill.*` events.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  BillSchema, BillStatus, ExchangeRateSchema, LineItemSchema, MoneySchema, type Bill, type LineItem, type Money,
} from '@billing/contracts';
import { moneyView, type BillSummary, type LineItemView, type MoneyView } from '@billing/bills';

function money(view: MoneyView): Money {
  return create(MoneySchema, { amount: view.amount, currency: view.currency });
}

function timestamp(iso: string): Timestamp {
  return timestampFromDate(new Date(iso));
}

export function lineItemMessage(item: LineItemView): LineItem {
  return create(LineItemSchema, {
    id: item.id,
    idempotencyKey: item.idempotencyKey,
    description: item.description,
    quantity: item.quantity,
    unitPrice: money(item.unitPrice),
    amount: money(item.amount),
    convertedAmount: item.convertedAmount === null ? undefined : money(item.convertedAmount),
    exchangeRate: item.exchangeRate === null ? undefined : create(ExchangeRateSchema, {
      rate: item.exchangeRate.rate,
      source: item.exchangeRate.source,
      asOf: item.exchangeRate.asOf === '' ? undefined : timestamp(item.exchangeRate.asOf),
    }),
    metadata: { ...item.metadata },
    addedAt: timestamp(item.addedAt),
  });
}

/**
 * `amountDueMinor`: what the ledger says is still owed on the bill, given only for a CLOSED bill;
 * every other bill owes nothing yet.
 */
export function billMessage(bill: BillSummary, items: readonly LineItemView[] = [], amountDueMinor = 0n): Bill {
  return create(BillSchema, {
    id: bill.id,
    customerId: bill.customerId,
    billingPeriod: bill.billingPeriod,
    currency: bill.currency,
    timeZone: bill.timeZone,
    status: BillStatus[bill.status],
    periodStart: timestamp(bill.periodStart),
    periodEnd: timestamp(bill.periodEnd),
    items: items.map(lineItemMessage),
    itemCount: bill.itemCount,
    total: money(bill.total),
    subtotalsByCurrency: bill.subtotalsByCurrency.map(money),
    invoiceNumber: bill.invoiceNumber ?? undefined,
    failureReason: bill.failureReason ?? undefined,
    createdAt: timestamp(bill.createdAt),
    updatedAt: timestamp(bill.updatedAt),
    closedAt: bill.closedAt === null ? undefined : timestamp(bill.closedAt),
    amountDue: money(moneyView(bill.status === 'CLOSED' ? amountDueMinor.toString() : '0', bill.currency)),
  });
}

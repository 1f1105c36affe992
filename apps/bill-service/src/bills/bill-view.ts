// The one mapping of a bill and its items to billing.v1 messages. A bill reaches bill-service in
// two shapes, a read-model row (reads) and the workflow's view (the answer to an add); rows are
// first turned into the workflow's view shapes (`BillSummary`, and `LineItemView` by the same
// `lineItemView` of @billing/bills the workflow uses), so money, status and times are mapped to
// the protobuf messages in exactly one place each.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  BillSchema, BillStatus, ExchangeRateSchema, LineItemSchema, MoneySchema, type Bill, type LineItem, type Money,
} from '@billing/contracts';
import {
  billSummaryOfRow, lineItemView, moneyView, type BillStatus as BillStatusName, type BillSummary, type LineItemView, type MoneyView,
} from '@billing/bills';
import type { BillRow, LineItemRow } from './bills-repository.ts';

/** The status a list filter asks for; undefined for "any". */
export function billStatusName(status: BillStatus): BillStatusName | undefined {
  const name = BillStatus[status] as keyof typeof BillStatus | undefined;
  return name === undefined || name === 'UNSPECIFIED' ? undefined : name;
}

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
 * `amountDueMinor`: what the ledger says is still owed on the bill (see ../ledger), given only for
 * a CLOSED bill; every other bill owes nothing yet.
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

/** A stored item of a bill in `billCurrency`. */
export function lineItemMessageOfRow(row: LineItemRow, billCurrency: string): LineItem {
  return lineItemMessage(lineItemView(row, billCurrency));
}

/** A stored bill with the items given (none for lists). */
export function billMessageOfRows(row: BillRow, items: readonly LineItemRow[] = [], amountDueMinor = 0n): Bill {
  return billMessage(billSummaryOfRow(row), items.map((item) => lineItemView(item, row.currency)), amountDueMinor);
}

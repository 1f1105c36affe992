import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  BillSchema, BillStatus, ExchangeRateSchema, LineItemSchema, MoneySchema, type Bill, type LineItem,
} from '@billing/contracts';
import { Money, toDecimalString } from '@billing/money';

// numeric columns without a declared scale keep the digits they were given, so quantities,
// unit prices and rates read back exactly as the caller (or the rates service) wrote them.
import type { BillRow, LineItemRow } from './bills-repository.ts';

const STATUS: Record<BillRow['status'], BillStatus> = {
  OPEN: BillStatus.OPEN,
  CLOSING: BillStatus.CLOSING,
  CLOSED: BillStatus.CLOSED,
  FAILED: BillStatus.FAILED,
};

function money(minor: string, currency: string) {
  return create(MoneySchema, { amount: toDecimalString(Money.fromMinor(BigInt(minor), currency)), currency });
}


export function lineItemMessage(row: LineItemRow, billCurrency: string): LineItem {
  const converted = row.converted_minor !== null && row.currency.trim() !== billCurrency;
  return create(LineItemSchema, {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    description: row.description,
    quantity: row.quantity,
    unitPrice: create(MoneySchema, { amount: row.unit_price, currency: row.currency.trim() }),
    amount: money(row.amount_minor, row.currency.trim()),
    convertedAmount: converted ? money(row.converted_minor as string, billCurrency) : undefined,
    exchangeRate: converted && row.rate !== null ? create(ExchangeRateSchema, {
      rate: row.rate,
      source: row.rate_source ?? '',
      asOf: row.rate_as_of ? timestampFromDate(row.rate_as_of) : undefined,
    }) : undefined,
    metadata: row.metadata,
    addedAt: timestampFromDate(row.added_at),
  });
}

export function billMessage(row: BillRow, items: LineItemRow[] = []): Bill {
  const currency = row.currency.trim();
  return create(BillSchema, {
    id: row.id,
    customerId: row.customer_id,
    billingPeriod: row.billing_period,
    currency,
    timeZone: row.time_zone,
    status: STATUS[row.status],
    periodStart: timestampFromDate(row.period_start),
    periodEnd: timestampFromDate(row.period_end),
    items: items.map((item) => lineItemMessage(item, currency)),
    itemCount: row.item_count,
    total: money(row.total_minor, currency),
    subtotalsByCurrency: Object.entries(row.subtotals)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, minor]) => money(minor, code)),
    invoiceNumber: row.invoice_number ?? undefined,
    failureReason: row.failure_reason ?? undefined,
    createdAt: timestampFromDate(row.created_at),
    updatedAt: timestampFromDate(row.updated_at),
    closedAt: row.closed_at ? timestampFromDate(row.closed_at) : undefined,
  });
}

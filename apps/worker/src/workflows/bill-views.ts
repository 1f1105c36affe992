// The worker's one mapping between shapes: a priced item to the row it is stored as, and the
// workflow's state to the bill summary callers see. Money and stored line items are shown by
// @billing/bills (`moneyView`, `lineItemView`), the same functions bill-service answers reads with.
import { moneyView } from '@billing/bills';
import type { BillStatus, BillSummary, BillWorkflowInput, PricedLineItem } from '@billing/bills';
import type { BillTotals, NewLineItem } from '../bills/bill-repository.ts';

export function toNewItem(item: PricedLineItem, id: string, addedAt: string): NewLineItem {
  return {
    id,
    idempotencyKey: item.idempotencyKey,
    description: item.description,
    quantity: item.quantity,
    unitPrice: item.unitPrice,
    currency: item.currency,
    amountMinor: item.amountMinor,
    convertedMinor: item.convertedMinor,
    rate: item.exchangeRate?.rate ?? null,
    rateSource: item.exchangeRate?.source ?? null,
    rateAsOf: item.exchangeRate?.asOf ?? null,
    rateId: item.exchangeRate?.rateId ?? null,
    metadata: { ...item.metadata },
    addedAt,
  };
}

/** What the workflow knows about a bill beyond its input. */
export interface BillFacts {
  status: BillStatus;
  periodStart: string;
  periodEnd: string;
  totals: BillTotals;
  invoiceNumber: string | null;
  failureReason: string | null;
  closedAt: string | null;
}

export function toBillSummary(input: BillWorkflowInput, facts: BillFacts): BillSummary {
  const { totals } = facts;
  return {
    id: input.billId,
    customerId: input.customerId,
    billingPeriod: input.billingPeriod,
    currency: input.currency,
    timeZone: input.timeZone,
    status: facts.status,
    periodStart: facts.periodStart,
    periodEnd: facts.periodEnd,
    itemCount: totals.itemCount,
    total: moneyView(totals.totalMinor, input.currency),
    subtotalsByCurrency: Object.entries(totals.subtotalsMinor).sort(([a], [b]) => a.localeCompare(b))
      .map(([code, minor]) => moneyView(minor, code)),
    invoiceNumber: facts.invoiceNumber,
    failureReason: facts.failureReason,
    createdAt: input.createdAt,
    updatedAt: totals.updatedAt,
    closedAt: facts.closedAt,
  };
}

// The bill as the workflow holds it: status, totals and the idempotency keys seen, nothing
// larger, because all of it is carried into the next run at continue-as-new. Item details live
// in PostgreSQL. Pure and deterministic: the caller supplies every timestamp.
import { minorToDecimal, periodBounds } from '@billing/bills';
import type {
  BillStatus, BillSummary, BillWorkflowInput, CarriedBillState, LineItemView, PricedLineItem,
} from '@billing/bills';
import type { BillTotals, NewLineItem, StoredLineItem } from '../bill-repository.ts';

export class BillState {
  readonly input: BillWorkflowInput;
  status: BillStatus;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Idempotency keys of every item accepted, across all runs. */
  readonly itemKeys: Set<string>;
  itemCount: number;
  totalMinor: bigint;
  readonly subtotalsMinor: Map<string, bigint>;
  updatedAt: string;
  invoiceNumber: string | null = null;
  failureReason: string | null = null;
  closedAt: string | null = null;

  constructor(input: BillWorkflowInput) {
    this.input = input;
    const carried = input.carried;
    if (carried) {
      this.status = carried.status;
      this.periodStart = carried.periodStart;
      this.periodEnd = carried.periodEnd;
      this.itemKeys = new Set(carried.itemKeys);
      this.itemCount = carried.itemCount;
      this.totalMinor = BigInt(carried.totalMinor);
      this.subtotalsMinor = new Map(Object.entries(carried.subtotalsMinor).map(([code, minor]) => [code, BigInt(minor)]));
      this.updatedAt = carried.updatedAt;
    } else {
      const bounds = periodBounds(input.billingPeriod, input.timeZone);
      this.status = 'OPEN';
      this.periodStart = bounds.start.toISOString();
      this.periodEnd = bounds.end.toISOString();
      this.itemKeys = new Set();
      this.itemCount = 0;
      this.totalMinor = 0n;
      this.subtotalsMinor = new Map();
      this.updatedAt = input.createdAt;
    }
  }

  /** When the bill closes by itself: the end of its period plus the configured grace. */
  closeAt(): number {
    return new Date(this.periodEnd).getTime() + this.input.closeGraceMs;
  }

  /** Takes on the totals PostgreSQL committed with the last batch: they are the truth. */
  adopt(totals: BillTotals): void {
    this.itemCount = totals.itemCount;
    this.totalMinor = BigInt(totals.totalMinor);
    this.subtotalsMinor.clear();
    for (const [code, minor] of Object.entries(totals.subtotalsMinor)) this.subtotalsMinor.set(code, BigInt(minor));
    this.updatedAt = totals.updatedAt;
  }

  totals(): BillTotals {
    return {
      itemCount: this.itemCount,
      totalMinor: this.totalMinor.toString(),
      subtotalsMinor: Object.fromEntries([...this.subtotalsMinor].map(([code, minor]) => [code, minor.toString()])),
      updatedAt: this.updatedAt,
    };
  }

  carry(): CarriedBillState {
    const totals = this.totals();
    return {
      status: this.status,
      periodStart: this.periodStart,
      periodEnd: this.periodEnd,
      itemKeys: [...this.itemKeys],
      itemCount: totals.itemCount,
      totalMinor: totals.totalMinor,
      subtotalsMinor: totals.subtotalsMinor,
      updatedAt: this.updatedAt,
    };
  }

  summary(): BillSummary {
    const { input } = this;
    return {
      id: input.billId,
      customerId: input.customerId,
      billingPeriod: input.billingPeriod,
      currency: input.currency,
      timeZone: input.timeZone,
      status: this.status,
      periodStart: this.periodStart,
      periodEnd: this.periodEnd,
      itemCount: this.itemCount,
      total: { amount: minorToDecimal(this.totalMinor.toString(), input.currency), currency: input.currency },
      subtotalsByCurrency: [...this.subtotalsMinor].sort(([a], [b]) => a.localeCompare(b))
        .map(([code, minor]) => ({ amount: minorToDecimal(minor.toString(), code), currency: code })),
      invoiceNumber: this.invoiceNumber,
      failureReason: this.failureReason,
      createdAt: input.createdAt,
      updatedAt: this.updatedAt,
      closedAt: this.closedAt,
    };
  }
}

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

export function toLineItemView(item: StoredLineItem, billCurrency: string): LineItemView {
  return {
    id: item.id,
    idempotencyKey: item.idempotencyKey,
    description: item.description,
    quantity: item.quantity,
    unitPrice: { amount: item.unitPrice, currency: item.currency },
    amount: { amount: minorToDecimal(item.amountMinor, item.currency), currency: item.currency },
    convertedAmount: item.convertedMinor === null ? null
      : { amount: minorToDecimal(item.convertedMinor, billCurrency), currency: billCurrency },
    exchangeRate: item.rate === null ? null
      : { rate: item.rate, source: item.rateSource ?? '', asOf: item.rateAsOf ?? '' },
    metadata: item.metadata,
    addedAt: item.addedAt,
  };
}

// A stored line item as callers of the bill see it. The worker (answering an Update) and
// bill-service (answering reads) both start from what PostgreSQL holds, so both build the view here.
import type { CheckedLineItem } from './line-item-shape.ts';
import { moneyView } from './money-view.ts';
import type { LineItemView } from './index.ts';

/** A line item as stored: a checked item with its id, its conversion and when it was added. */
export interface StoredLineItemFields extends CheckedLineItem {
  readonly id: string;
  /** Minor units of the bill's currency; null for an item in it. */
  readonly convertedMinor: string | null;
  readonly rate: string | null;
  readonly rateSource: string | null;
  /** ISO 8601 text or the database driver's Date. */
  readonly rateAsOf: string | Date | null;
  readonly addedAt: string | Date;
}

function isoText(time: string | Date): string {
  return typeof time === 'string' ? time : time.toISOString();
}

/** Only a converted item has a converted amount and a rate. */
export function lineItemView(item: StoredLineItemFields, billCurrency: string): LineItemView {
  return {
    id: item.id,
    idempotencyKey: item.idempotencyKey,
    description: item.description,
    quantity: item.quantity,
    unitPrice: { amount: item.unitPrice, currency: item.currency },
    amount: moneyView(item.amountMinor, item.currency),
    convertedAmount: item.convertedMinor === null ? null : moneyView(item.convertedMinor, billCurrency),
    exchangeRate: item.rate === null ? null : {
      rate: item.rate,
      source: item.rateSource ?? '',
      asOf: item.rateAsOf === null ? '' : isoText(item.rateAsOf),
    },
    metadata: { ...item.metadata },
    addedAt: isoText(item.addedAt),
  };
}

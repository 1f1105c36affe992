// Pricing a well-formed line item into its bill's currency: the one step that needs the exchange
// rate, so it runs after the shape check and after the rate is known, never with a stand-in.
import { convert, isMoneyError, Money, parseRate } from '@billing/money';
import { checkLineItemShape, type CheckedLineItem, type LineItemCheckOptions, type LineItemProblem } from './line-item-shape.ts';
// Type-only, through the entry point, so this file does not depend on how the message
// definitions are laid out inside the package.
import type { ExchangeRateView, LineItemInput } from './index.ts';

/** A valid item with its amounts computed; money as minor units in decimal strings. */
export interface PricedLineItem extends CheckedLineItem {
  /** In the bill's currency, converted once and rounded half-even; null when the item is already in it. */
  readonly convertedMinor: string | null;
  readonly exchangeRate: { readonly rate: string; readonly source: string; readonly asOf: string; readonly rateId?: string } | null;
}

export type LineItemPricing =
  | { readonly ok: true; readonly item: PricedLineItem }
  | { readonly ok: false; readonly problems: readonly LineItemProblem[] };

/**
 * Converts a checked item into `billCurrency` at `rate` (required exactly when the item is in
 * another currency; ignored otherwise). The only problems are the rate's: missing, not a positive
 * decimal, or without a readable as-of time (which the stored item keeps).
 */
export function priceLineItem(item: CheckedLineItem, billCurrency: string, rate: ExchangeRateView | undefined): LineItemPricing {
  if (item.currency === billCurrency) return { ok: true, item: { ...item, convertedMinor: null, exchangeRate: null } };
  const problems = rateProblems(item.currency, billCurrency, rate);
  if (problems.length > 0 || rate === undefined) return { ok: false, problems };
  const converted = convert(Money.fromMinor(BigInt(item.amountMinor), item.currency), rate.rate, billCurrency);
  return {
    ok: true,
    item: {
      ...item,
      convertedMinor: converted.minor.toString(),
      exchangeRate: { rate: rate.rate, source: rate.source, asOf: rate.asOf, ...(rate.rateId ? { rateId: rate.rateId } : {}) },
    },
  };
}

function rateProblems(from: string, to: string, rate: ExchangeRateView | undefined): LineItemProblem[] {
  if (rate === undefined || rate === null || typeof rate !== 'object') {
    return [{ field: 'currency', message: `an item in ${from} needs an exchange rate into the bill's ${to}` }];
  }
  const problems: LineItemProblem[] = [];
  try {
    if (typeof rate.rate !== 'string') problems.push({ field: 'exchangeRate.rate', message: 'must be a decimal string' });
    else parseRate(rate.rate);
  } catch (error) {
    if (!isMoneyError(error)) throw error;
    problems.push({ field: 'exchangeRate.rate', message: error.message });
  }
  if (typeof rate.asOf !== 'string' || Number.isNaN(Date.parse(rate.asOf))) {
    problems.push({ field: 'exchangeRate.asOf', message: 'must be an ISO 8601 time' });
  }
  return problems;
}

/**
 * The check the bill workflow runs on an item message, which carries its own rate (bill-service
 * attached it): the same shape check bill-service ran, then pricing at that rate.
 */
export function validateLineItem(input: LineItemInput, billCurrency: string, options: LineItemCheckOptions = {}): LineItemPricing {
  const shape = checkLineItemShape(input, billCurrency, options);
  if (!shape.ok) return shape;
  const rate = (input as { exchangeRate?: ExchangeRateView }).exchangeRate;
  return priceLineItem(shape.item, billCurrency, rate);
}

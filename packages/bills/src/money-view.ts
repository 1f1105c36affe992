// Money as the bill's views show it: a major-unit decimal string with its currency. Amounts are
// kept as minor units (exact integers) everywhere else; this is the one place they turn into text.
import { Money } from '@billing/money';
import type { MoneyView } from './index.ts';

/** A minor-unit string shown as a major-unit decimal in `currencyCode`: ("1050", "USD") → "10.50". */
export function minorToDecimal(minor: string, currencyCode: string): string {
  return Money.fromMinor(BigInt(minor), currencyCode).toDecimalString();
}

/** ("1050", "USD") → { amount: "10.50", currency: "USD" }. */
export function moneyView(minor: string, currencyCode: string): MoneyView {
  return { amount: minorToDecimal(minor, currencyCode), currency: currencyCode };
}

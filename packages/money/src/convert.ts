// Currency conversion: amount × rate, where the rate is the price of one unit of the source
// currency in the target currency. Exact product, then one half-even rounding to the target's
// minor unit; the caller keeps the unrounded rate next to the result.
import { resolveCurrency } from './currencies.ts';
import type { Currency } from './currencies.ts';
import { decimal, parseRate } from './decimal.ts';
import type { Decimal } from './decimal.ts';
import type { Money } from './money.ts';
import { MoneyError } from './money-error.ts';
import { roundToMoney } from './multiply.ts';

/** The unrounded converted value, in major units of the target currency. */
export function convertExact(money: Money, rate: Decimal | string): Decimal {
  const by = typeof rate === 'string' ? parseRate(rate) : rate;
  if (by.coefficient <= 0n) {
    throw new MoneyError('not_positive', 'an exchange rate must be greater than zero');
  }
  return decimal(money.minor * by.coefficient, money.currency.exponent + by.scale);
}

export function convert(money: Money, rate: Decimal | string, to: string | Currency): Money {
  return roundToMoney(convertExact(money, rate), resolveCurrency(to));
}

// quantity × price: the exact decimal product, rounded once to the currency's minor unit,
// half-even. Rounding intermediate steps would let two ways of computing the same line
// disagree by a cent; doing it once at the end makes the result a pure function of the inputs.
import { resolveCurrency } from './currencies.ts';
import type { Currency } from './currencies.ts';
import { decimal, parseDecimal, UNIT_PRICE_MAX_SCALE } from './decimal.ts';
import type { Decimal, SignRule } from './decimal.ts';
import { Money } from './money.ts';
import { rescaleHalfEven } from './rounding.ts';

/** A price per unit, in major units of its currency, finer than the minor unit (up to 10 decimals). */
export type UnitPrice = {
  readonly amount: Decimal;
  readonly currency: Currency;
};

export function parseUnitPrice(text: string, currency: string | Currency, rule: SignRule = {}): UnitPrice {
  const amount = parseDecimal(text, { ...rule, maxScale: UNIT_PRICE_MAX_SCALE, label: 'the unit price' });
  return Object.freeze({ amount, currency: resolveCurrency(currency) });
}

/** A Decimal as given, or a string parsed with parseDecimal's defaults. */
export function toDecimal(value: Decimal | string): Decimal {
  return typeof value === 'string' ? parseDecimal(value) : value;
}

/** A major-unit decimal rounded once, half-even, to the currency's minor unit. */
export function roundToMoney(value: Decimal, currency: string | Currency): Money {
  const target = resolveCurrency(currency);
  return Money.fromMinor(rescaleHalfEven(value.coefficient, value.scale, target.exponent), target);
}

/** The unrounded product in major units, for callers that record what the rounding did. */
export function multiplyExact(base: Money | UnitPrice, factor: Decimal | string): Decimal {
  const by = toDecimal(factor);
  if (base instanceof Money) return decimal(base.minor * by.coefficient, base.currency.exponent + by.scale);
  return decimal(base.amount.coefficient * by.coefficient, base.amount.scale + by.scale);
}

/** base × factor (an amount or a unit price times a quantity), rounded once, half-even. */
export function multiply(base: Money | UnitPrice, factor: Decimal | string): Money {
  return roundToMoney(multiplyExact(base, factor), base.currency);
}

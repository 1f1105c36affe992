// Exact decimals for what is not an amount of money: quantities (up to 6 decimals), unit prices
// (up to 10) and exchange rates. A Decimal is coefficient × 10^-scale with a bigint coefficient,
// so "1.50" is { coefficient: 150n, scale: 2 } and keeps the scale it was written with.
import { quote, readDecimalText, writeDecimalText } from './decimal-text.ts';
import { MoneyError } from './money-error.ts';
import { pow10 } from './rounding.ts';

export type Decimal = {
  readonly coefficient: bigint;
  readonly scale: number;
};

/** Sign constraints shared by every parser; by default any sign is accepted. */
export type SignRule = {
  /** Require a value greater than zero. */
  readonly positive?: boolean;
  /** Require a value of zero or more. */
  readonly nonNegative?: boolean;
};

export type ParseDecimalOptions = SignRule & {
  /** Most decimals accepted; DEFAULT_MAX_SCALE when omitted. */
  readonly maxScale?: number;
  /** Most digits before the point; MAX_INTEGER_DIGITS when omitted. */
  readonly maxIntegerDigits?: number;
  /** Names the value in messages ("the quantity", "the rate"); "the value" when omitted. */
  readonly label?: string;
};

/**
 * At most 14 digits before the point: any such amount, in minor units of any ISO currency
 * (exponent ≤ 4), still fits a signed 64-bit integer, so it can be stored in a bigint column.
 */
export const MAX_INTEGER_DIGITS = 14;
export const QUANTITY_MAX_SCALE = 6;
export const UNIT_PRICE_MAX_SCALE = 10;
/** Rates are "arbitrary" precision in the product, but a bound keeps hostile input cheap. */
export const DEFAULT_MAX_SCALE = 30;

export function decimal(coefficient: bigint, scale = 0): Decimal {
  if (typeof coefficient !== 'bigint') {
    throw new MoneyError('invalid_argument', `a decimal coefficient must be a bigint, got ${typeof coefficient}`);
  }
  if (!Number.isSafeInteger(scale) || scale < 0) {
    throw new MoneyError('invalid_argument', `a decimal scale must be a non-negative integer, got ${scale}`);
  }
  return Object.freeze({ coefficient, scale });
}

export function parseDecimal(text: string, options: ParseDecimalOptions = {}): Decimal {
  const label = options.label ?? 'the value';
  const maxScale = options.maxScale ?? DEFAULT_MAX_SCALE;
  const parts = readDecimalText(text, label, options.maxIntegerDigits ?? MAX_INTEGER_DIGITS);
  if (parts.fractionDigits.length > maxScale) {
    throw new MoneyError('too_many_decimals',
      `${quote(text)} has ${decimalsPhrase(parts.fractionDigits.length)} but ${label} allows at most ${maxScale}`);
  }
  const magnitude = BigInt(parts.integerDigits + parts.fractionDigits);
  const result = decimal(parts.negative ? -magnitude : magnitude, parts.fractionDigits.length);
  checkSign(result.coefficient, options, () => quote(text), label);
  return result;
}

/** A quantity of units: at most 6 decimals. */
export function parseQuantity(text: string, rule: SignRule = {}): Decimal {
  return parseDecimal(text, { ...rule, maxScale: QUANTITY_MAX_SCALE, label: 'the quantity' });
}

/** An exchange rate: always greater than zero. */
export function parseRate(text: string): Decimal {
  return parseDecimal(text, { positive: true, label: 'the rate' });
}

export function decimalToString(value: Decimal): string {
  return writeDecimalText(value.coefficient, value.scale);
}

/** The exact product; its scale is the sum of both scales. */
export function multiplyDecimals(left: Decimal, right: Decimal): Decimal {
  return decimal(left.coefficient * right.coefficient, left.scale + right.scale);
}

/** The exact sum, at the larger scale of the two. */
export function addDecimals(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return decimal(left.coefficient * pow10(scale - left.scale) + right.coefficient * pow10(scale - right.scale), scale);
}

/** The exact difference, at the larger scale of the two. */
export function subtractDecimals(left: Decimal, right: Decimal): Decimal {
  return addDecimals(left, decimal(-right.coefficient, right.scale));
}

/** The same value with no trailing fractional zeros ("1.500" → "1.5", "2.0" → "2"). */
export function normalizeDecimal(value: Decimal): Decimal {
  let { coefficient, scale } = value;
  while (scale > 0 && coefficient % 10n === 0n) {
    coefficient /= 10n;
    scale -= 1;
  }
  return decimal(coefficient, scale);
}

export function compareDecimals(left: Decimal, right: Decimal): -1 | 0 | 1 {
  const scale = Math.max(left.scale, right.scale);
  const a = left.coefficient * pow10(scale - left.scale);
  const b = right.coefficient * pow10(scale - right.scale);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function decimalsPhrase(count: number): string {
  return count === 1 ? '1 decimal' : `${count} decimals`;
}

/** Shared by decimals and money: refuses a value its sign rule forbids, saying which rule. */
export function checkSign(value: bigint, rule: SignRule, describe: () => string, label: string): void {
  if (rule.positive === true && value <= 0n) {
    throw new MoneyError('not_positive', `${describe()} is not positive; ${label} must be greater than zero`);
  }
  if (rule.nonNegative === true && value < 0n) {
    throw new MoneyError('negative', `${describe()} is negative; ${label} must not be negative`);
  }
}

import { describe, expect, it } from 'vitest';
import {
  compareDecimals, decimal, decimalToString, MoneyError, multiplyDecimals, parseDecimal, parseQuantity, parseRate,
  parseUnitPrice,
} from '../src/index.ts';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof MoneyError) return `${error.reason}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a MoneyError, but nothing was thrown');
}

describe('decimals for quantities, unit prices and rates', () => {
  it('keeps the scale it was written with', () => {
    expect(parseDecimal('1.50')).toEqual({ coefficient: 150n, scale: 2 });
    expect(decimalToString(parseDecimal('1.50'))).toBe('1.50');
    expect(decimalToString(parseDecimal('-0.000001'))).toBe('-0.000001');
    expect(decimalToString(decimal(5n, 3))).toBe('0.005');
  });

  it('accepts a quantity with 6 decimals and refuses 7', () => {
    expect(parseQuantity('2.123456')).toEqual({ coefficient: 2123456n, scale: 6 });
    expect(messageOf(() => parseQuantity('2.1234567')))
      .toBe('too_many_decimals: "2.1234567" has 7 decimals but the quantity allows at most 6');
  });

  it('applies sign rules to quantities on request', () => {
    expect(messageOf(() => parseQuantity('-1', { nonNegative: true })))
      .toBe('negative: "-1" is negative; the quantity must not be negative');
  });

  it('accepts a unit price with 10 decimals in a currency and refuses 11', () => {
    const price = parseUnitPrice('0.0000000001', 'USD');
    expect(price.amount).toEqual({ coefficient: 1n, scale: 10 });
    expect(price.currency.code).toBe('USD');
    expect(messageOf(() => parseUnitPrice('0.00000000001', 'USD')))
      .toBe('too_many_decimals: "0.00000000001" has 11 decimals but the unit price allows at most 10');
    expect(messageOf(() => parseUnitPrice('1', 'QQQ')))
      .toBe('unknown_currency: "QQQ" is not an active ISO 4217 currency code');
  });

  it('requires a rate to be positive', () => {
    expect(parseRate('0.000123456789012345')).toEqual({ coefficient: 123456789012345n, scale: 18 });
    expect(messageOf(() => parseRate('0'))).toBe('not_positive: "0" is not positive; the rate must be greater than zero');
    expect(messageOf(() => parseRate('1e-3'))).toBe('malformed: "1e-3" uses exponent notation; write the digits out in full');
  });

  it('honours a custom maxScale and label', () => {
    expect(messageOf(() => parseDecimal('1.23', { maxScale: 1, label: 'the discount' })))
      .toBe('too_many_decimals: "1.23" has 2 decimals but the discount allows at most 1');
  });

  it('multiplies exactly and compares across scales', () => {
    expect(multiplyDecimals(parseDecimal('1.5'), parseDecimal('-0.25'))).toEqual({ coefficient: -375n, scale: 3 });
    expect(compareDecimals(parseDecimal('1.50'), parseDecimal('1.5'))).toBe(0);
    expect(compareDecimals(parseDecimal('1.49'), parseDecimal('1.5'))).toBe(-1);
    expect(compareDecimals(parseDecimal('2'), parseDecimal('1.999999'))).toBe(1);
  });

  it('refuses a coefficient that is not a bigint', () => {
    expect(messageOf(() => decimal(1 as unknown as bigint, 0)))
      .toBe('invalid_argument: a decimal coefficient must be a bigint, got number');
  });
});

import { describe, expect, it } from 'vitest';
import {
  convert, convertExact, decimalToString, multiply, multiplyExact, parseMoney, parseQuantity, parseRate,
  parseUnitPrice, roundToMoney, parseDecimal,
} from '../src/index.ts';

describe('multiply', () => {
  it('multiplies an amount by a decimal quantity, rounding once half-even', () => {
    expect(multiply(parseMoney('10.00', 'USD'), parseQuantity('0.2345')).toDecimalString()).toBe('2.34');
    expect(multiply(parseMoney('10.00', 'USD'), parseQuantity('0.2355')).toDecimalString()).toBe('2.36');
    expect(multiply(parseMoney('10.00', 'USD'), '-0.2345').toDecimalString()).toBe('-2.34');
    expect(multiply(parseMoney('3', 'JPY'), '0.5').toDecimalString()).toBe('2');
    expect(multiply(parseMoney('5', 'JPY'), '0.5').toDecimalString()).toBe('2');
  });

  it('prices a line: quantity × unit price with up to 10 decimals, rounded once', () => {
    const price = parseUnitPrice('0.0012345678', 'USD');
    expect(multiply(price, parseQuantity('1000')).toDecimalString()).toBe('1.23');
    expect(decimalToString(multiplyExact(price, parseQuantity('1000')))).toBe('1.2345678000');
  });

  it('rounds the product, not the price: 3 × 0.335 is 1.00, not 3 × 0.34', () => {
    expect(multiply(parseUnitPrice('0.335', 'USD'), '3').toDecimalString()).toBe('1.00');
  });

  it('rounds to the currency of the price', () => {
    expect(multiply(parseUnitPrice('0.0005', 'KWD'), '3').toDecimalString()).toBe('0.002');
    expect(multiply(parseUnitPrice('0.5', 'JPY'), '5').toDecimalString()).toBe('2');
  });
});

describe('convert', () => {
  it('converts by a rate into the target currency, rounding once half-even', () => {
    expect(convert(parseMoney('100.00', 'USD'), parseRate('0.92345'), 'EUR').toJSON())
      .toEqual({ amount: '92.34', currency: 'EUR' });
    expect(convert(parseMoney('100.00', 'USD'), '0.92355', 'EUR').toDecimalString()).toBe('92.36');
    expect(convert(parseMoney('10.00', 'USD'), '151.25', 'JPY').toDecimalString()).toBe('1512');
    expect(convert(parseMoney('10.00', 'USD'), '151.35', 'JPY').toDecimalString()).toBe('1514');
    expect(convert(parseMoney('1000', 'JPY'), '0.0061234', 'KWD').toDecimalString()).toBe('6.123');
    expect(convert(parseMoney('-100.00', 'USD'), '0.92345', 'EUR').toDecimalString()).toBe('-92.34');
  });

  it('keeps the unrounded value available', () => {
    expect(decimalToString(convertExact(parseMoney('100.00', 'USD'), '0.92345'))).toBe('92.3450000');
  });

  it('refuses a rate that is not positive', () => {
    expect(() => convert(parseMoney('1', 'USD'), '0', 'EUR'))
      .toThrow('"0" is not positive; the rate must be greater than zero');
    expect(() => convert(parseMoney('1', 'USD'), parseDecimal('-1'), 'EUR'))
      .toThrow('an exchange rate must be greater than zero');
  });

  it('refuses an unknown target currency', () => {
    expect(() => convert(parseMoney('1', 'USD'), '1', 'EURO')).toThrow('"EURO" is not an active ISO 4217 currency code');
  });

  it('rounds an arbitrary decimal to money once', () => {
    expect(roundToMoney(parseDecimal('2.345'), 'USD').toDecimalString()).toBe('2.34');
    expect(roundToMoney(parseDecimal('2.3451'), 'USD').toDecimalString()).toBe('2.35');
  });
});

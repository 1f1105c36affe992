import { describe, expect, it } from 'vitest';
import {
  add, compare, equals, isNegative, isZero, Money, MoneyError, negate, parseMoney, subtract, sum,
} from '../src/index.ts';

const usd = (amount: string): Money => parseMoney(amount, 'USD');
const eur = (amount: string): Money => parseMoney(amount, 'EUR');

describe('same-currency arithmetic', () => {
  it('adds and subtracts exactly', () => {
    expect(add(usd('0.10'), usd('0.20')).toDecimalString()).toBe('0.30');
    expect(subtract(usd('1'), usd('1.01')).toDecimalString()).toBe('-0.01');
  });

  it('sums a list, and an empty list to zero in the given currency', () => {
    expect(sum([usd('1.10'), usd('2.20'), usd('3.30')], 'USD').toDecimalString()).toBe('6.60');
    expect(sum([], 'JPY').toJSON()).toEqual({ amount: '0', currency: 'JPY' });
  });

  it('compares, tests zero and sign, and negates', () => {
    expect(compare(usd('1'), usd('2'))).toBe(-1);
    expect(compare(usd('2'), usd('2.00'))).toBe(0);
    expect(compare(usd('2.01'), usd('2'))).toBe(1);
    expect(equals(usd('2'), usd('2.00'))).toBe(true);
    expect(equals(usd('2'), usd('2.01'))).toBe(false);
    expect(isZero(usd('0'))).toBe(true);
    expect(isZero(usd('0.01'))).toBe(false);
    expect(isNegative(usd('-0.01'))).toBe(true);
    expect(negate(usd('1.50')).toDecimalString()).toBe('-1.50');
    expect(negate(usd('0')).toDecimalString()).toBe('0.00');
  });

  it.each([
    ['add', () => add(usd('1'), eur('1'))],
    ['subtract', () => subtract(usd('1'), eur('1'))],
    ['compare', () => compare(usd('1'), eur('1'))],
    ['compare', () => equals(usd('1'), eur('1'))],
  ])('refuses to %s different currencies', (operation, run) => {
    expect(run).toThrow(new MoneyError('currency_mismatch',
      `cannot ${operation} USD and EUR; convert one of them first`));
  });

  it('refuses to sum a foreign amount into a total', () => {
    expect(() => sum([usd('1'), eur('1')], 'USD')).toThrow('cannot sum EUR into a USD total; convert it first');
  });

  it('is immutable', () => {
    const money = usd('1');
    expect(Object.isFrozen(money)).toBe(true);
    expect(() => { (money as { minor: bigint }).minor = 5n; }).toThrow(TypeError);
  });

  it('builds from minor units only as a bigint', () => {
    expect(Money.fromMinor(1050n, 'USD').toDecimalString()).toBe('10.50');
    expect(() => Money.fromMinor(10 as unknown as bigint, 'USD')).toThrow('minor units must be a bigint, got number');
  });
});

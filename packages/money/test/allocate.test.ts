import { describe, expect, it } from 'vitest';
import { allocate, MoneyError, parseMoney } from '../src/index.ts';
import type { Money, Ratio } from '../src/index.ts';

const amounts = (parts: Money[]): string[] => parts.map((part) => part.toDecimalString());

describe('allocate', () => {
  it('splits 100.00 three ways without losing a cent, extra cent to the first part', () => {
    expect(amounts(allocate(parseMoney('100', 'USD'), [1, 1, 1]))).toEqual(['33.34', '33.33', '33.33']);
  });

  it('gives leftover units to the largest remainders', () => {
    // 0.05 by 3:7 → exact shares 1.5 and 3.5 cents: tie, the earlier part wins.
    expect(amounts(allocate(parseMoney('0.05', 'USD'), [3n, 7n]))).toEqual(['0.02', '0.03']);
    // 1.00 by 1:2:2 → 20, 40, 40 exactly.
    expect(amounts(allocate(parseMoney('1', 'USD'), [1, 2, 2]))).toEqual(['0.20', '0.40', '0.40']);
    // 0.10 by 1:1:4 → 1.67, 1.67, 6.67 cents: floors 1, 1, 6; the three remainders are equal,
    // so the two leftover cents go to the first two parts.
    expect(amounts(allocate(parseMoney('0.10', 'USD'), [1, 1, 4]))).toEqual(['0.02', '0.02', '0.06']);
  });

  it('accepts decimal-string ratios such as percentages', () => {
    expect(amounts(allocate(parseMoney('10', 'EUR'), ['33.5', '66.5']))).toEqual(['3.35', '6.65']);
  });

  it('gives nothing to a zero ratio', () => {
    expect(amounts(allocate(parseMoney('0.03', 'USD'), [0, 1, 1]))).toEqual(['0.00', '0.02', '0.01']);
  });

  it('mirrors a negative amount', () => {
    expect(amounts(allocate(parseMoney('-100', 'USD'), [1, 1, 1]))).toEqual(['-33.34', '-33.33', '-33.33']);
  });

  it('works in whole units for JPY', () => {
    expect(amounts(allocate(parseMoney('1000', 'JPY'), [1, 1, 1]))).toEqual(['334', '333', '333']);
  });

  it.each<[Ratio[], string]>([
    [[], 'allocation needs at least one ratio'],
    [[0, 0], 'allocation ratios must not all be zero'],
    [[1, -1], 'ratio #2 is -1; a number ratio must be a non-negative safe integer (pass fractions as strings)'],
    [[0.5, 0.5], 'ratio #1 is 0.5; a number ratio must be a non-negative safe integer (pass fractions as strings)'],
    [[1n, -2n], 'ratio #2 is -2; ratios must not be negative'],
    [['1', '-1'], 'ratio #2: "-1" is negative; ratio #2 must not be negative'],
    [['1', '1e2'], 'ratio #2: "1e2" uses exponent notation; write the digits out in full'],
  ])('refuses ratios %o', (ratios, message) => {
    expect(() => allocate(parseMoney('1', 'USD'), ratios)).toThrow(new MoneyError('invalid_ratios', message));
  });
});

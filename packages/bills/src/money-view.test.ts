import { describe, expect, it } from 'vitest';
import { minorToDecimal, moneyView } from './money-view.ts';

describe('minorToDecimal', () => {
  it('writes minor units with the currency decimals', () => {
    expect(minorToDecimal('1050', 'USD')).toBe('10.50');
    expect(minorToDecimal('1050', 'JPY')).toBe('1050');
    expect(minorToDecimal('1050', 'KWD')).toBe('1.050');
    expect(minorToDecimal('-5', 'USD')).toBe('-0.05');
  });
});

describe('moneyView', () => {
  it('pairs the decimal with its currency', () => {
    expect(moneyView('123456789012345678901234567890', 'USD')).toEqual({ amount: '1234567890123456789012345678.90', currency: 'USD' });
  });
});

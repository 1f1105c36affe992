import { describe, expect, it } from 'vitest';
import { currency, CURRENCY_CODES, isCurrency, MoneyError } from '../src/index.ts';

describe('ISO 4217 table', () => {
  it.each([
    ['USD', 2], ['EUR', 2], ['GEL', 2], ['GBP', 2], ['JPY', 0], ['KRW', 0], ['ISK', 0], ['CLP', 0],
    ['VND', 0], ['XAF', 0], ['KWD', 3], ['BHD', 3], ['JOD', 3], ['OMR', 3], ['TND', 3], ['IQD', 3],
    ['LYD', 3], ['CLF', 4], ['UYW', 4], ['UYI', 0], ['XCG', 2], ['ZWG', 2], ['SLE', 2], ['VED', 2],
  ])('gives %s an exponent of %i', (code, exponent) => {
    expect(currency(code)).toEqual({ code, exponent });
  });

  it('holds every active code with a minor unit, sorted and unique', () => {
    expect(CURRENCY_CODES.length).toBe(166);
    expect([...CURRENCY_CODES].sort()).toEqual(CURRENCY_CODES);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    for (const code of CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it.each(['ANG', 'CUC', 'HRK', 'SLL', 'ZWL', 'XAU', 'XDR', 'XXX', 'XTS'])(
    'leaves out %s, which is withdrawn or has no minor unit', (code) => {
      expect(isCurrency(code)).toBe(false);
    });

  it('returns the same frozen object for a code every time', () => {
    expect(currency('USD')).toBe(currency('USD'));
    expect(Object.isFrozen(currency('USD'))).toBe(true);
  });

  it('refuses an unknown code, naming it', () => {
    expect(() => currency('ABC')).toThrow(new MoneyError('unknown_currency',
      '"ABC" is not an active ISO 4217 currency code'));
  });

  it('hints at upper case when a lower-case code would exist', () => {
    expect(() => currency('usd')).toThrow('"usd" is not an active ISO 4217 currency code (codes are upper case: "USD")');
    expect(isCurrency('usd')).toBe(false);
  });
});

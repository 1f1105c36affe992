import { describe, expect, it } from 'vitest';
import { minorToDecimal, validateLineItem } from './line-item.ts';
import type { LineItemInput } from './messages.ts';

const base = { idempotencyKey: 'k-1', description: 'API calls' };
const fields = (input: unknown) => {
  const result = validateLineItem(input as LineItemInput, 'USD');
  return result.ok ? [] : result.problems.map((problem) => problem.field);
};

describe('validateLineItem', () => {
  it('prices a plain amount in minor units of the bill currency', () => {
    const result = validateLineItem({ ...base, amount: '10.50' }, 'USD');
    expect(result).toEqual({
      ok: true,
      item: {
        idempotencyKey: 'k-1', description: 'API calls', quantity: '1', unitPrice: '10.50', currency: 'USD',
        amountMinor: '1050', convertedMinor: null, exchangeRate: null, metadata: {},
      },
    });
  });

  it('rounds quantity × unitPrice once, half-even', () => {
    const result = validateLineItem({ ...base, quantity: '3', unitPrice: '0.0050000000' }, 'USD');
    expect(result.ok && result.item.amountMinor).toBe('2'); // 0.015 → 0.02 (half to even)
    const down = validateLineItem({ ...base, quantity: '5', unitPrice: '0.005' }, 'USD');
    expect(down.ok && down.item.amountMinor).toBe('2'); // 0.025 → 0.02
  });

  it('trims the description', () => {
    const result = validateLineItem({ ...base, description: '  seats  ', amount: '1' }, 'USD');
    expect(result.ok && result.item.description).toBe('seats');
  });

  it.each([
    [{ ...base, amount: '0' }, ['amount']],
    [{ ...base, amount: '-1' }, ['amount']],
    [{ ...base, amount: '1.001' }, ['amount']],
    [{ ...base, amount: '1e3' }, ['amount']],
    [{ ...base, amount: 10 }, ['amount']],
    [{ ...base }, ['amount']],
    [{ ...base, amount: '1', quantity: '1', unitPrice: '1' }, ['amount']],
    [{ ...base, quantity: '1.0000001', unitPrice: '1' }, ['quantity']],
    [{ ...base, quantity: '0', unitPrice: '1' }, ['quantity']],
    [{ ...base, quantity: '1' }, ['unitPrice']],
    [{ ...base, quantity: '1', unitPrice: '0.00000000001' }, ['unitPrice']],
    [{ ...base, quantity: '1', unitPrice: '0.001' }, ['unitPrice']],
    [{ ...base, description: '   ', amount: '1' }, ['description']],
    [{ ...base, description: 'x'.repeat(501), amount: '1' }, ['description']],
    [{ ...base, idempotencyKey: '', amount: '1' }, ['idempotencyKey']],
    [{ ...base, idempotencyKey: 'has space', amount: '1' }, ['idempotencyKey']],
    [{ ...base, idempotencyKey: 'k'.repeat(256), amount: '1' }, ['idempotencyKey']],
    [{ ...base, currency: 'usd', amount: '1' }, ['currency']],
    [{ ...base, currency: 'EUR', amount: '1' }, ['currency']],
    [{ ...base, amount: '1', metadata: { a: 1 } }, ['metadata.a']],
    [{ ...base, amount: '1', metadata: { 'bad key': 'x' } }, ['metadata.bad key']],
    [{ ...base, amount: '1', metadata: { a: 'x'.repeat(501) } }, ['metadata.a']],
    [{ ...base, amount: '1', metadata: ['x'] }, ['metadata']],
    [{ ...base, amount: '1', metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, ['metadata']],
  ])('rejects %j naming %j', (input, expected) => {
    expect(fields(input)).toEqual(expected);
  });

  it('reports every bad field at once', () => {
    expect(fields({ idempotencyKey: '', description: '', amount: 'abc' })).toEqual(['idempotencyKey', 'description', 'amount']);
  });

  it('accepts 500 characters of description counted as characters, not UTF-16 units', () => {
    expect(fields({ ...base, description: '😀'.repeat(500), amount: '1' })).toEqual([]);
  });

  it('converts an item in another currency with the rate it was given, rounding once', () => {
    const result = validateLineItem({
      ...base, amount: '10.00', currency: 'EUR', exchangeRate: { rate: '2.905', source: 'static', asOf: '2026-01-01T00:00:00Z' },
    }, 'GEL');
    expect(result.ok && result.item.convertedMinor).toBe('2905');
    expect(result.ok && result.item.amountMinor).toBe('1000');
  });

  it('uses the currency exponent: JPY has no decimals', () => {
    expect(fields({ ...base, amount: '100.5', currency: 'JPY', exchangeRate: { rate: '0.0067', source: 's', asOf: 'x' } })).toEqual(['amount']);
  });
});

describe('minorToDecimal', () => {
  it('writes minor units with the currency decimals', () => {
    expect(minorToDecimal('1050', 'USD')).toBe('10.50');
    expect(minorToDecimal('1050', 'JPY')).toBe('1050');
    expect(minorToDecimal('1050', 'KWD')).toBe('1.050');
  });
});

import { describe, expect, it } from 'vitest';
import { checkLineItemShape } from './line-item-shape.ts';

const base = { idempotencyKey: 'k-1', description: 'API calls' };
const fields = (input: unknown, billCurrency = 'USD') => {
  const result = checkLineItemShape(input, billCurrency);
  return result.ok ? [] : result.problems.map((problem) => problem.field);
};
const messages = (input: unknown) => {
  const result = checkLineItemShape(input, 'USD');
  return result.ok ? [] : result.problems.map((problem) => problem.message);
};

describe('checkLineItemShape', () => {
  it('reads a plain amount as quantity 1 in minor units of the bill currency', () => {
    expect(checkLineItemShape({ ...base, amount: '10.50' }, 'USD')).toEqual({
      ok: true,
      item: {
        idempotencyKey: 'k-1', description: 'API calls', quantity: '1', unitPrice: '10.50', currency: 'USD',
        amountMinor: '1050', metadata: {},
      },
    });
  });

  it('keeps an item in another currency in that currency, with its decimals', () => {
    const result = checkLineItemShape({ ...base, amount: '1.234', currency: 'KWD' }, 'USD');
    expect(result.ok && result.item).toMatchObject({ currency: 'KWD', amountMinor: '1234' });
  });

  it('rounds quantity × unitPrice once, half-even', () => {
    const up = checkLineItemShape({ ...base, quantity: '3', unitPrice: '0.0050000000' }, 'USD');
    expect(up.ok && up.item.amountMinor).toBe('2'); // 0.015 → 0.02 (half to even)
    const down = checkLineItemShape({ ...base, quantity: '5', unitPrice: '0.005' }, 'USD');
    expect(down.ok && down.item.amountMinor).toBe('2'); // 0.025 → 0.02
  });

  it('trims the description and keeps quantity and unit price as written', () => {
    const result = checkLineItemShape({ ...base, description: '  seats  ', quantity: '2.5', unitPrice: '4.00' }, 'USD');
    expect(result.ok && result.item).toMatchObject({ description: 'seats', quantity: '2.5', unitPrice: '4.00', amountMinor: '1000' });
  });

  it('stores SQL metacharacters and unicode in free text as data', () => {
    const description = "Robert'); DROP TABLE line_items;-- ñ 😀";
    const result = checkLineItemShape({ ...base, description, amount: '1', metadata: { note: "' OR 1=1 --" } }, 'USD');
    expect(result.ok && result.item).toMatchObject({ description, metadata: { note: "' OR 1=1 --" } });
  });

  it.each([
    ['zero amount', { ...base, amount: '0' }, ['amount']],
    ['negative amount', { ...base, amount: '-1' }, ['amount']],
    ['negative zero', { ...base, amount: '-0' }, ['amount']],
    ['NaN', { ...base, amount: 'NaN' }, ['amount']],
    ['Infinity', { ...base, amount: 'Infinity' }, ['amount']],
    ['an exponent', { ...base, amount: '1e3' }, ['amount']],
    ['an exponent past any float', { ...base, amount: '1e309' }, ['amount']],
    ['a huge number', { ...base, amount: '9'.repeat(10_000) }, ['amount']],
    ['too many decimals', { ...base, amount: '1.001' }, ['amount']],
    ['decimals in a currency without them', { ...base, amount: '100.5', currency: 'JPY' }, ['amount']],
    ['padding', { ...base, amount: ' 1.00' }, ['amount']],
    ['Arabic-Indic digits', { ...base, amount: '١٠' }, ['amount']],
    ['SQL in the amount', { ...base, amount: "1; DROP TABLE bills;--" }, ['amount']],
    ['a JSON number', { ...base, amount: 10 }, ['amount']],
    ['null amount', { ...base, amount: null }, ['amount']],
    ['no amount at all', { ...base }, ['amount']],
    ['both ways of pricing', { ...base, amount: '1', quantity: '1', unitPrice: '1' }, ['amount']],
    ['a quantity with 7 decimals', { ...base, quantity: '1.0000001', unitPrice: '1' }, ['quantity']],
    ['a zero quantity', { ...base, quantity: '0', unitPrice: '1' }, ['quantity']],
    ['a NaN quantity', { ...base, quantity: 'NaN', unitPrice: '1' }, ['quantity']],
    ['a numeric quantity', { ...base, quantity: 2, unitPrice: '1' }, ['quantity']],
    ['no unit price', { ...base, quantity: '1' }, ['unitPrice']],
    ['no quantity', { ...base, unitPrice: '1' }, ['quantity']],
    ['a unit price with 11 decimals', { ...base, quantity: '1', unitPrice: '0.00000000001' }, ['unitPrice']],
    ['a unit price of -0', { ...base, quantity: '1', unitPrice: '-0' }, ['unitPrice']],
    ['a product that rounds to nothing', { ...base, quantity: '1', unitPrice: '0.001' }, ['unitPrice']],
    ['a blank description', { ...base, description: '   ', amount: '1' }, ['description']],
    ['no description', { idempotencyKey: 'k', amount: '1' }, ['description']],
    ['a numeric description', { ...base, description: 42, amount: '1' }, ['description']],
    ['501 characters of description', { ...base, description: 'x'.repeat(501), amount: '1' }, ['description']],
    ['a megabyte of description', { ...base, description: 'é'.repeat(1_000_000), amount: '1' }, ['description']],
    ['a control character', { ...base, description: 'a\u0000b', amount: '1' }, ['description']],
    ['an empty idempotency key', { ...base, idempotencyKey: '', amount: '1' }, ['idempotencyKey']],
    ['a key with a space', { ...base, idempotencyKey: 'has space', amount: '1' }, ['idempotencyKey']],
    ['a key of 256 characters', { ...base, idempotencyKey: 'k'.repeat(256), amount: '1' }, ['idempotencyKey']],
    ['a non-ASCII key', { ...base, idempotencyKey: 'clé', amount: '1' }, ['idempotencyKey']],
    ['a lower-case currency', { ...base, currency: 'usd', amount: '1' }, ['currency']],
    ['an unknown currency', { ...base, currency: 'XYZ', amount: '1' }, ['currency']],
    ['a currency with unicode', { ...base, currency: 'ÜSD', amount: '1' }, ['currency']],
    ['SQL as a currency', { ...base, currency: "' OR 1=1", amount: '1' }, ['currency']],
    ['a numeric currency', { ...base, currency: 840, amount: '1' }, ['currency']],
    ['a numeric metadata value', { ...base, amount: '1', metadata: { a: 1 } }, ['metadata.a']],
    ['a metadata key with a space', { ...base, amount: '1', metadata: { 'bad key': 'x' } }, ['metadata.bad key']],
    ['a long metadata value', { ...base, amount: '1', metadata: { a: 'x'.repeat(501) } }, ['metadata.a']],
    ['metadata as a list', { ...base, amount: '1', metadata: ['x'] }, ['metadata']],
    ['metadata as text', { ...base, amount: '1', metadata: 'x' }, ['metadata']],
    ['21 metadata keys', { ...base, amount: '1', metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }, ['metadata']],
  ])('rejects %s, naming the field', (_name, input, expected) => {
    expect(fields(input)).toEqual(expected);
  });

  it.each([null, undefined, 'text', 42, []])('rejects %j as a whole, naming every required field', (input) => {
    expect(fields(input)).toEqual(['idempotencyKey', 'description', 'amount']);
  });

  it('reports every bad field at once', () => {
    expect(fields({ idempotencyKey: '', description: '', amount: 'abc' })).toEqual(['idempotencyKey', 'description', 'amount']);
  });

  it('does not echo a huge value back in its message', () => {
    const [message] = messages({ ...base, amount: '1', currency: 'Q'.repeat(100_000) });
    expect(message?.length).toBeLessThan(200);
  });

  it('accepts 500 characters of description counted as characters, not UTF-16 units', () => {
    expect(fields({ ...base, description: '😀'.repeat(500), amount: '1' })).toEqual([]);
  });

  it('reads the amount in the bill currency when the item names none', () => {
    expect(fields({ ...base, amount: '100' }, 'JPY')).toEqual([]);
    expect(fields({ ...base, amount: '100.5' }, 'JPY')).toEqual(['amount']);
  });
});

import { describe, expect, it } from 'vitest';
import { checkLineItemShape, type CheckedLineItem } from './line-item-shape.ts';
import { priceLineItem, validateLineItem } from './line-item-pricing.ts';

const rate = { rate: '2.905', source: 'static', asOf: '2026-01-01T00:00:00.000Z' };

function checked(input: Record<string, unknown>, billCurrency: string): CheckedLineItem {
  const result = checkLineItemShape({ idempotencyKey: 'k-1', description: 'fee', ...input }, billCurrency);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.item;
}

describe('priceLineItem', () => {
  it('leaves an item in the bill currency unconverted, whatever rate it is given', () => {
    const result = priceLineItem(checked({ amount: '10.50' }, 'USD'), 'USD', rate);
    expect(result).toEqual({
      ok: true,
      item: {
        idempotencyKey: 'k-1', description: 'fee', quantity: '1', unitPrice: '10.50', currency: 'USD', amountMinor: '1050',
        metadata: {}, convertedMinor: null, exchangeRate: null,
      },
    });
  });

  it('converts an item in another currency at the rate given, rounding once, half-even', () => {
    const result = priceLineItem(checked({ amount: '10.00', currency: 'EUR' }, 'GEL'), 'GEL', rate);
    expect(result.ok && result.item).toMatchObject({ amountMinor: '1000', convertedMinor: '2905', exchangeRate: rate });
    // 0.05 EUR × 2.905 = 0.14525 GEL → 0.15 (half-even would keep 0.14 only at an exact half)
    const small = priceLineItem(checked({ amount: '0.05', currency: 'EUR' }, 'GEL'), 'GEL', rate);
    expect(small.ok && small.item.convertedMinor).toBe('15');
    const half = priceLineItem(checked({ amount: '0.50', currency: 'EUR' }, 'GEL'), 'GEL', { ...rate, rate: '0.05' });
    expect(half.ok && half.item.convertedMinor).toBe('2'); // 0.025 → 0.02
  });

  it('converts the rounded item amount, into the decimals of the bill currency', () => {
    // 3 × 0.3335 KWD = 1.0005 → 1.000 (half-even), then × 150 → 150 JPY
    const result = priceLineItem(checked({ quantity: '3', unitPrice: '0.3335', currency: 'KWD' }, 'JPY'), 'JPY', { ...rate, rate: '150' });
    expect(result.ok && result.item).toMatchObject({ amountMinor: '1000', convertedMinor: '150' });
  });

  it('keeps the id of the stored rate the item was converted with', () => {
    const result = priceLineItem(checked({ amount: '1', currency: 'EUR' }, 'GEL'), 'GEL', { ...rate, rateId: 'rate_1' });
    expect(result.ok && result.item.exchangeRate).toEqual({ ...rate, rateId: 'rate_1' });
  });

  it('needs a rate for an item in another currency and never invents one', () => {
    const result = priceLineItem(checked({ amount: '1', currency: 'EUR' }, 'GEL'), 'GEL', undefined);
    expect(result).toEqual({ ok: false, problems: [{ field: 'currency', message: "an item in EUR needs an exchange rate into the bill's GEL" }] });
  });

  it.each([
    [{ ...rate, rate: '0' }, ['exchangeRate.rate']],
    [{ ...rate, rate: '-1.2' }, ['exchangeRate.rate']],
    [{ ...rate, rate: 'NaN' }, ['exchangeRate.rate']],
    [{ ...rate, rate: '1e309' }, ['exchangeRate.rate']],
    [{ ...rate, rate: 2.9 }, ['exchangeRate.rate']],
    [{ ...rate, asOf: 'yesterday' }, ['exchangeRate.asOf']],
  ])('refuses the rate %j', (bad, expected) => {
    const result = priceLineItem(checked({ amount: '1', currency: 'EUR' }, 'GEL'), 'GEL', bad as typeof rate);
    expect(result.ok ? [] : result.problems.map((problem) => problem.field)).toEqual(expected);
  });
});

describe('validateLineItem', () => {
  it('prices an item message with the rate it carries', () => {
    const result = validateLineItem({ idempotencyKey: 'k', description: 'fee', amount: '10.00', currency: 'EUR', exchangeRate: rate }, 'GEL');
    expect(result.ok && result.item).toMatchObject({ amountMinor: '1000', convertedMinor: '2905', exchangeRate: rate });
  });

  it('refuses a malformed item before looking at its rate', () => {
    const result = validateLineItem({ idempotencyKey: 'k', description: 'fee', amount: '1.001', currency: 'EUR' }, 'GEL');
    expect(result.ok ? [] : result.problems.map((problem) => problem.field)).toEqual(['amount']);
  });

  it('refuses a foreign item that arrives without its rate', () => {
    const result = validateLineItem({ idempotencyKey: 'k', description: 'fee', amount: '1.00', currency: 'EUR' }, 'GEL');
    expect(result.ok ? [] : result.problems.map((problem) => problem.field)).toEqual(['currency']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currency } from '@billing/money';
import { validateLineItem } from './line-item-pricing.ts';

// An independent reference: exact rationals in bigint, rounded once, half-even.
function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twice = 2n * remainder;
  if (twice > denominator || (twice === denominator && quotient % 2n !== 0n)) return quotient + 1n;
  return quotient;
}

function decimalParts(text: string): { digits: bigint; scale: number } {
  const [whole, fraction = ''] = text.split('.');
  return { digits: BigInt(`${whole}${fraction}`), scale: fraction.length };
}

/** minor units of `to` for amountMinor (in `from`'s minor units) × rate, rounded once. */
function exactConvertedMinor(amountMinor: bigint, from: string, rate: string, to: string): bigint {
  const { digits, scale } = decimalParts(rate);
  const numerator = amountMinor * digits * 10n ** BigInt(currency(to).exponent);
  const denominator = 10n ** BigInt(scale) * 10n ** BigInt(currency(from).exponent);
  return roundHalfEven(numerator, denominator);
}

const CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD', 'GEL', 'BHD', 'CLF'] as const;

const decimalText = (maxWhole: number, maxScale: number) =>
  fc.tuple(fc.integer({ min: 0, max: maxWhole }), fc.integer({ min: 0, max: maxScale }), fc.bigInt({ min: 0n, max: 10n ** 12n }))
    .map(([whole, scale, fraction]) => (scale === 0 ? `${whole}` : `${whole}.${(fraction % 10n ** BigInt(scale)).toString().padStart(scale, '0')}`))
    .filter((text) => /[1-9]/.test(text));

describe('converting line items into the bill currency', () => {
  it('never loses or invents a minor unit against the exact computation rounded once per item', () => {
    fc.assert(fc.property(
      fc.constantFrom(...CURRENCIES),
      fc.array(fc.tuple(fc.constantFrom(...CURRENCIES), fc.bigInt({ min: 1n, max: 10n ** 9n }), decimalText(5000, 10)), { minLength: 1, maxLength: 20 }),
      (billCurrency, items) => {
        let total = 0n;
        let expected = 0n;
        items.forEach(([itemCurrency, minor, rate], index) => {
          const exponent = currency(itemCurrency).exponent;
          const amount = exponent === 0 ? minor.toString()
            : `${minor / 10n ** BigInt(exponent)}.${(minor % 10n ** BigInt(exponent)).toString().padStart(exponent, '0')}`;
          const foreign = itemCurrency !== billCurrency;
          const result = validateLineItem({
            idempotencyKey: `k${index}`, description: 'fee', amount, currency: itemCurrency,
            ...(foreign ? { exchangeRate: { rate, source: 'test', asOf: '2026-01-01T00:00:00.000Z' } } : {}),
          }, billCurrency);
          if (!result.ok) throw new Error(JSON.stringify(result.problems));
          total += BigInt(result.item.convertedMinor ?? result.item.amountMinor);
          expected += foreign ? exactConvertedMinor(minor, itemCurrency, rate, billCurrency) : minor;
        });
        expect(total).toBe(expected);
      },
    ), { numRuns: 300 });
  });
});

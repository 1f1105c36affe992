import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPrice, priceQuantity, type PriceDefinition } from '../src/index.ts';

// Every price model against a recomputation that shares no code with it: quantities are whole
// numbers of hundredths, and the reference walks them one hundredth at a time, then rounds with
// its own half-even. Tier bounds are drawn first and quantities are pulled towards them.

const CURRENCIES = [['USD', 2], ['JPY', 0], ['KWD', 3]] as const;

/** n / 10^s as decimal text. */
function text(n: bigint, s: number): string {
  if (s === 0) return n.toString();
  const digits = n.toString().padStart(s + 1, '0');
  return `${digits.slice(0, -s)}.${digits.slice(-s)}`;
}

/** value (at scale `from`) rounded half-even to scale `to`, as minor units. */
function halfEven(value: bigint, from: number, to: number): bigint {
  const divisor = 10n ** BigInt(from - to);
  const quotient = value / divisor;
  const remainder = value % divisor;
  if (2n * remainder > divisor) return quotient + 1n;
  if (2n * remainder < divisor) return quotient;
  return quotient % 2n === 0n ? quotient : quotient + 1n;
}

const PRICE_SCALE = 4; // unit prices: up to 4 decimals here
const SCALE = PRICE_SCALE + 2; // a unit price times one hundredth

const tierArb = fc.record({
  bounds: fc.uniqueArray(fc.integer({ min: 1, max: 2_000 }), { minLength: 0, maxLength: 4 }).map((b) => [...b].sort((x, y) => x - y)),
  prices: fc.array(fc.integer({ min: 0, max: 99_999 }), { minLength: 5, maxLength: 5 }),
  fees: fc.array(fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
  currency: fc.constantFrom(...CURRENCIES),
});

type Tiers = { bounds: number[]; prices: number[]; fees: Array<number | undefined>; currency: readonly [string, number] };

function tieredPrice(model: 'GRADUATED' | 'VOLUME', t: Tiers): PriceDefinition {
  const [code, exponent] = t.currency;
  const tiers = [...t.bounds, null].map((bound, i) => ({
    upTo: bound === null ? null : text(BigInt(bound), 2),
    unitPrice: text(BigInt(t.prices[i] as number), PRICE_SCALE),
    ...(t.fees[i] === undefined ? {} : { flatFee: text(BigInt(t.fees[i] as number), exponent) }),
  }));
  const checked = checkPrice({ currency: code, model, tiers });
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.price;
}

/** Quantities in hundredths, often on a tier bound or one hundredth either side of it. */
const quantityNear = (bounds: number[]) => fc.oneof(
  fc.integer({ min: 0, max: 2_500 }),
  ...(bounds.length === 0 ? [] : [fc.constantFrom(...bounds.flatMap((b) => [b - 1, b, b + 1]))]),
);

function feeAtScale(fee: number | undefined, exponent: number): bigint {
  return fee === undefined ? 0n : BigInt(fee) * 10n ** BigInt(SCALE - exponent);
}

describe('price models against a unit-by-unit recomputation', () => {
  it('GRADUATED prices each hundredth at the tier it falls in, adds a tier\'s flat fee once it is reached', () => {
    fc.assert(fc.property(tierArb.chain((t) => fc.tuple(fc.constant(t), quantityNear(t.bounds))), ([t, hundredths]) => {
      const [, exponent] = t.currency;
      let total = 0n;
      const reached = new Set<number>();
      for (let k = 1; k <= hundredths; k++) {
        const tier = t.bounds.findIndex((bound) => k <= bound);
        const index = tier === -1 ? t.bounds.length : tier;
        reached.add(index);
        total += BigInt(t.prices[index] as number);
      }
      for (const index of reached) total += feeAtScale(t.fees[index], exponent);
      const priced = priceQuantity(tieredPrice('GRADUATED', t), text(BigInt(hundredths), 2));
      expect(priced.amount.minor).toBe(halfEven(total, SCALE, exponent));
    }), { numRuns: 300 });
  });

  it('VOLUME prices every unit at the tier the whole quantity falls in, plus that tier\'s flat fee', () => {
    fc.assert(fc.property(tierArb.chain((t) => fc.tuple(fc.constant(t), quantityNear(t.bounds))), ([t, hundredths]) => {
      const [, exponent] = t.currency;
      let index = 0;
      while (index < t.bounds.length && hundredths > (t.bounds[index] as number)) index++;
      const total = hundredths === 0 ? 0n
        : BigInt(hundredths) * BigInt(t.prices[index] as number) + feeAtScale(t.fees[index], exponent);
      const priced = priceQuantity(tieredPrice('VOLUME', t), text(BigInt(hundredths), 2));
      expect(priced.amount.minor).toBe(halfEven(total, SCALE, exponent));
    }), { numRuns: 300 });
  });

  it('PACKAGE charges every started package, PER_UNIT quantity times price, both rounded once', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2_500 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 99_999 }),
      fc.integer({ min: 0, max: 99_999 }), fc.constantFrom(...CURRENCIES),
      (hundredths, size, packagePrice, unitPrice, [code, exponent]) => {
        let packages = 0n;
        for (let left = hundredths; left > 0; left -= size) packages++;
        const pack = checkPrice({ currency: code, model: 'PACKAGE', packageSize: text(BigInt(size), 2), packagePrice: text(BigInt(packagePrice), exponent) });
        if (!pack.ok) throw new Error(JSON.stringify(pack.problems));
        expect(priceQuantity(pack.price, text(BigInt(hundredths), 2)).amount.minor).toBe(packages * BigInt(packagePrice));

        const perUnit = checkPrice({ currency: code, model: 'PER_UNIT', unitPrice: text(BigInt(unitPrice), PRICE_SCALE) });
        if (!perUnit.ok) throw new Error(JSON.stringify(perUnit.problems));
        const priced = priceQuantity(perUnit.price, text(BigInt(hundredths), 2));
        expect(priced.amount.minor).toBe(halfEven(BigInt(hundredths) * BigInt(unitPrice), SCALE, exponent));
        expect(priced.exact).toBe(text(BigInt(hundredths) * BigInt(unitPrice), SCALE).replace(/0+$/, '').replace(/\.$/, ''));
      },
    ), { numRuns: 300 });
  });
});

describe('checking a price', () => {
  it('rounds half to even only once, on the whole amount', () => {
    const price = checkPrice({ currency: 'USD', model: 'PER_UNIT', unitPrice: '0.005' });
    if (!price.ok) throw new Error('refused');
    // 3 × 0.005 = 0.015 → 0.02 (half to even); rounding each unit first would give 0.03.
    expect(priceQuantity(price.price, '3').amount.toDecimalString()).toBe('0.02');
    expect(priceQuantity(price.price, '1').amount.toDecimalString()).toBe('0.00');
  });

  it.each([
    [{ currency: 'USD', model: 'PER_UNIT', unitPrice: 0.1 }, 'unitPrice'],
    [{ currency: 'USD', model: 'PER_UNIT', unitPrice: '-1' }, 'unitPrice'],
    [{ currency: 'XXX1', model: 'PER_UNIT', unitPrice: '1' }, 'currency'],
    [{ currency: 'USD', model: 'FLAT', unitPrice: '1' }, 'model'],
    [{ currency: 'USD', model: 'GRADUATED', tiers: [{ upTo: '10', unitPrice: '1' }] }, 'tiers[0].upTo'],
    [{ currency: 'USD', model: 'GRADUATED', tiers: [{ upTo: '10', unitPrice: '1' }, { upTo: '5', unitPrice: '1' }, { upTo: null, unitPrice: '1' }] }, 'tiers[1].upTo'],
    [{ currency: 'USD', model: 'VOLUME', tiers: [{ upTo: null, unitPrice: '1', flatFee: '0.001' }] }, 'tiers[0]'],
    [{ currency: 'JPY', model: 'PACKAGE', packageSize: '100', packagePrice: '1.5' }, 'packagePrice'],
    [{ currency: 'USD', model: 'PACKAGE', packageSize: '0', packagePrice: '1' }, 'packageSize'],
    [{ currency: 'USD', model: 'PER_UNIT', unitPrice: '1', tiers: [] }, 'tiers'],
  ])('refuses %j naming %s', (input, field) => {
    const checked = checkPrice(input as Record<string, unknown>);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problems.map((problem) => problem.field)).toContain(field);
  });
});

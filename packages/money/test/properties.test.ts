import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, allocate, convert, currency, CURRENCY_CODES, decimal, Money, moneyFromJSON, multiply, parseDecimal,
  parseMoney, roundHalfEven, subtract,
} from '../src/index.ts';
import type { UnitPrice } from '../src/index.ts';
import { fromScaled, nearestEven, rational, tenTo, times } from './rational-reference.ts';

const codes = fc.constantFrom(...CURRENCY_CODES);
/** Every amount parseMoney accepts in a currency: at most 14 integer digits. */
const parseableMinor = (code: string) => {
  const limit = 10n ** BigInt(14 + currency(code).exponent) - 1n;
  return fc.bigInt({ min: -limit, max: limit });
};
const minorUnits = fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n });
const money = codes.chain((code) => parseableMinor(code).map((minor) => Money.fromMinor(minor, code)));
const decimals = (maxScale: number) =>
  fc.tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: maxScale }))
    .map(([coefficient, scale]) => decimal(coefficient, scale));
const positiveDecimals = (maxScale: number) =>
  fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: maxScale }))
    .map(([coefficient, scale]) => decimal(coefficient, scale));

fc.configureGlobal({ numRuns: 500 });

describe('properties', () => {
  it('formats then parses back to the same amount', () => {
    fc.assert(fc.property(money, (value) => {
      const again = parseMoney(value.toDecimalString(), value.currency.code);
      expect(again.minor).toBe(value.minor);
    }));
  });

  it('parses any canonical string and formats it padded to the currency exponent', () => {
    const canonical = codes.chain((code) => {
      const exponent = currency(code).exponent;
      return fc.record({
        code: fc.constant(code),
        negative: fc.boolean(),
        integer: fc.bigInt({ min: 0n, max: 10n ** 14n - 1n }),
        fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: exponent }),
      });
    });
    fc.assert(fc.property(canonical, ({ code, negative, integer, fraction }) => {
      const body = fraction === '' ? `${integer}` : `${integer}.${fraction}`;
      const isZero = integer === 0n && /^0*$/.test(fraction);
      const text = negative && !isZero ? `-${body}` : body;
      const exponent = currency(code).exponent;
      const padded = exponent === 0 ? `${integer}` : `${integer}.${fraction.padEnd(exponent, '0')}`;
      expect(parseMoney(text, code).toDecimalString()).toBe(negative && !isZero ? `-${padded}` : padded);
    }));
  });

  it('survives a JSON round trip', () => {
    fc.assert(fc.property(money, (value) => {
      const back = moneyFromJSON(JSON.parse(JSON.stringify(value)));
      expect(back.minor).toBe(value.minor);
      expect(back.currency).toBe(value.currency);
    }));
  });

  it('undoes an addition with a subtraction', () => {
    fc.assert(fc.property(codes, minorUnits, minorUnits, (code, a, b) => {
      const left = Money.fromMinor(a, code);
      const right = Money.fromMinor(b, code);
      expect(subtract(add(left, right), right).minor).toBe(a);
      expect(add(left, right).minor).toBe(add(right, left).minor);
    }));
  });

  it('rounds any fraction like the reference', () => {
    const nonZero = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).filter((d) => d !== 0n);
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), nonZero, (numerator, denominator) => {
      expect(roundHalfEven(numerator, denominator)).toBe(nearestEven(rational(numerator, denominator)));
    }));
  });

  it('multiplies an amount by a quantity as the exact product rounded once', () => {
    fc.assert(fc.property(money, decimals(6), (value, quantity) => {
      const exact = times(rational(value.minor, 1n), fromScaled(quantity.coefficient, quantity.scale));
      expect(multiply(value, quantity).minor).toBe(nearestEven(exact));
    }));
  });

  it('prices quantity × unit price as the exact product rounded once', () => {
    const unitPrice = fc.tuple(decimals(10), codes)
      .map(([amount, code]): UnitPrice => ({ amount, currency: currency(code) }));
    fc.assert(fc.property(unitPrice, decimals(6), (price, quantity) => {
      const major = times(fromScaled(price.amount.coefficient, price.amount.scale),
        fromScaled(quantity.coefficient, quantity.scale));
      const inMinor = times(major, rational(tenTo(price.currency.exponent), 1n));
      expect(multiply(price, quantity).minor).toBe(nearestEven(inMinor));
    }));
  });

  it('converts as the exact product rounded once to the target minor unit', () => {
    fc.assert(fc.property(money, positiveDecimals(20), codes, (value, rate, to) => {
      const major = times(fromScaled(value.minor, value.currency.exponent), fromScaled(rate.coefficient, rate.scale));
      const inTargetMinor = times(major, rational(tenTo(currency(to).exponent), 1n));
      const converted = convert(value, rate, to);
      expect(converted.currency.code).toBe(to);
      expect(converted.minor).toBe(nearestEven(inTargetMinor));
    }));
  });

  it('allocates parts that sum to the total, each within one unit of its exact share', () => {
    const ratios = fc.array(fc.oneof(
      fc.bigInt({ min: 0n, max: 1000n }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 100000 }).map((n) => parseDecimalString(n)),
    ), { minLength: 1, maxLength: 12 }).filter((list) => list.some((r) => weightOf(r) > 0n));
    fc.assert(fc.property(money, ratios, (value, list) => {
      const parts = allocate(value, list);
      expect(parts).toHaveLength(list.length);
      expect(parts.reduce((acc, part) => acc + part.minor, 0n)).toBe(value.minor);
      const weights = list.map(weightOf);
      const totalWeight = weights.reduce((a, b) => a + b, 0n);
      parts.forEach((part, index) => {
        const exactTimesTotal = value.minor * (weights[index] as bigint);
        const distance = part.minor * totalWeight - exactTimesTotal;
        expect(distance < 0n ? -distance : distance).toBeLessThan(totalWeight);
        if (weights[index] === 0n) expect(part.minor).toBe(0n);
      });
    }));
  });

  it('allocates by equal ratios into parts that differ by at most one unit', () => {
    fc.assert(fc.property(money, fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 9 }), (value, count, ratio) => {
      const parts = allocate(value, Array.from({ length: count }, () => ratio)).map((part) => part.minor);
      const largest = parts.reduce((a, b) => (a > b ? a : b));
      const smallest = parts.reduce((a, b) => (a < b ? a : b));
      expect(largest - smallest <= 1n).toBe(true);
      expect(parts.reduce((a, b) => a + b, 0n)).toBe(value.minor);
    }));
  });
});

/** 12345 → "123.45": a decimal-string ratio with two decimals. */
function parseDecimalString(hundredths: number): string {
  const text = String(hundredths).padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** Every ratio in hundredths, so the test can weigh mixed kinds without the package's code. */
function weightOf(ratio: bigint | number | string): bigint {
  if (typeof ratio === 'bigint') return ratio * 100n;
  if (typeof ratio === 'number') return BigInt(ratio) * 100n;
  return parseDecimal(ratio).coefficient;
}

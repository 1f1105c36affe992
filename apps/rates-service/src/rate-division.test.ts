import { parseRate, pow10 } from '@billing/money';
import { describe, expect, it } from 'vitest';
import { CROSS_RATE_SIGNIFICANT_DIGITS, divideRates } from './rate-division.ts';

// Exact rational view of a decimal string, for checking results without trusting the code under test.
function asFraction(text: string): { n: bigint; d: bigint } {
  const value = parseRate(text);
  return { n: value.coefficient, d: pow10(value.scale) };
}

// A deterministic stream of positive decimal strings spanning ten orders of magnitude.
function* randomRates(count: number, seed = 42n): Generator<string> {
  let state = seed;
  const next = () => (state = (state * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
  for (let i = 0; i < count; i++) {
    const digits = (next() % 10n ** 9n) + 1n;
    const scale = Number(next() % 12n);
    const text = digits.toString().padStart(scale + 1, '0');
    yield scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  }
}

describe('divideRates', () => {
  it('keeps twelve significant digits, rounding half-even', () => {
    expect(divideRates('1', '3')).toBe('0.333333333333');
    expect(divideRates('2', '3')).toBe('0.666666666667');
    expect(divideRates('1.000000000005', '1')).toBe('1');
    expect(divideRates('1.000000000015', '1')).toBe('1.00000000002');
    expect(divideRates('1.000000000025', '1')).toBe('1.00000000002');
    expect(divideRates('1.0000000000251', '1')).toBe('1.00000000003');
    expect(divideRates('1', '8', 2)).toBe('0.12');
    expect(divideRates('3', '8', 2)).toBe('0.38');
  });

  it('counts significant digits from the first non-zero digit for small and large quotients', () => {
    expect(divideRates('0.30690', '153.25')).toBe('0.00200261011419');
    expect(divideRates('153.25', '0.30690')).toBe('499.348321929');
    expect(divideRates('10000000000000', '3')).toBe('3333333333333');
  });

  it('drops trailing zeros of an exact quotient', () => {
    expect(divideRates('2.7150', '2.7150')).toBe('1');
    expect(divideRates('5.00', '2')).toBe('2.5');
  });

  it('lands within half a unit of the last kept digit of the exact quotient', () => {
    const rates = [...randomRates(400)];
    for (let i = 0; i + 1 < rates.length; i += 2) {
      const top = rates[i] as string;
      const bottom = rates[i + 1] as string;
      const result = divideRates(top, bottom);
      const a = asFraction(top);
      const b = asFraction(bottom);
      const r = asFraction(result);
      // result - a/b, as one fraction: (r.n * a.d * b.n - a.n * b.d * r.d) / (r.d * a.d * b.n)
      const errorNumerator = r.n * a.d * b.n - a.n * b.d * r.d;
      const errorDenominator = r.d * a.d * b.n;
      // Half a unit in the 12th significant digit of the result: 10^(e - 11) / 2.
      const digitsBeforePoint = result.split('.')[0] === '0'
        ? -(/^0\.(0*)/.exec(result)?.[1]?.length ?? 0)
        : (result.split('.')[0] as string).length;
      const exponent = digitsBeforePoint - CROSS_RATE_SIGNIFICANT_DIGITS;
      const halfUnit = exponent >= 0 ? { n: pow10(exponent), d: 2n } : { n: 1n, d: 2n * pow10(-exponent) };
      const absError = errorNumerator < 0n ? -errorNumerator : errorNumerator;
      expect(absError * halfUnit.d <= halfUnit.n * errorDenominator, `${top} / ${bottom} = ${result}`).toBe(true);
    }
  });
});

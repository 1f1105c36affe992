import { describe, expect, it } from 'vitest';
import { parseMoney, rescaleHalfEven, roundHalfEven } from '../src/index.ts';

describe('half-even rounding', () => {
  it.each([
    [2345n, 1000n, 'USD', '2.34'], // 2.345 → 2.34: the half goes to the even neighbour
    [2355n, 1000n, 'USD', '2.36'], // 2.355 → 2.36
    [23451n, 10000n, 'USD', '2.35'], // more than half: up
    [2344n, 1000n, 'USD', '2.34'],
    [-2345n, 1000n, 'USD', '-2.34'],
    [-2355n, 1000n, 'USD', '-2.36'],
    [-23451n, 10000n, 'USD', '-2.35'],
  ])('rounds %i/%i to %s', (numerator, denominator, code, expected) => {
    // numerator/denominator is in major units; scale to cents before rounding.
    const minor = roundHalfEven(numerator * 100n, denominator);
    expect(parseMoney(expected, code).minor).toBe(minor);
  });

  it.each([
    [5n, 2n, 2n], [7n, 2n, 4n], [-5n, 2n, -2n], [-7n, 2n, -4n], [1n, 3n, 0n], [2n, 3n, 1n], [-2n, 3n, -1n],
    [5n, -2n, -2n], [0n, 7n, 0n], [10n, 5n, 2n],
  ])('roundHalfEven(%i, %i) is %i', (numerator, denominator, expected) => {
    expect(roundHalfEven(numerator, denominator)).toBe(expected);
  });

  it('refuses a zero denominator', () => {
    expect(() => roundHalfEven(1n, 0n)).toThrow('cannot round a division by zero');
  });

  it('rescales up exactly and down with one rounding', () => {
    expect(rescaleHalfEven(105n, 1, 3)).toBe(10500n);
    expect(rescaleHalfEven(2345n, 3, 2)).toBe(234n);
    expect(rescaleHalfEven(2355n, 3, 2)).toBe(236n);
  });
});

import { describe, expect, it } from 'vitest';
import { JsonNumber, jsonNumberToDecimal, parseJsonKeepingNumbers } from '../src/providers/json-numbers.ts';

describe('JSON numbers read as text', () => {
  it('keeps every digit a float would lose', () => {
    const parsed = parseJsonKeepingNumbers('{"a": 0.1234567890123456789012, "b": 12345678901234567890}') as Record<string, JsonNumber>;
    expect(parsed.a).toEqual(new JsonNumber('0.1234567890123456789012'));
    expect(parsed.b?.text).toBe('12345678901234567890');
  });

  it.each([
    ['1.1e-5', '0.000011'],
    ['2.5E+3', '2500'],
    ['0.5e1', '5'],
    ['1.25e1', '12.5'],
    ['1.10e1', '11.0'],
    ['-2E2', '-200'],
    ['1e0', '1'],
    ['156.32', '156.32'],
    ['3.0712e-1', '0.30712'],
  ])('writes %s as the plain decimal %s', (token, expected) => {
    expect(jsonNumberToDecimal(token)).toBe(expected);
  });

  it('refuses exponents beyond ±40 and text that is not a JSON number', () => {
    expect(() => jsonNumberToDecimal('1e41')).toThrow(/exponent beyond ±40/);
    expect(() => jsonNumberToDecimal('1e-400')).toThrow(/exponent beyond ±40/);
    expect(() => jsonNumberToDecimal('.5')).toThrow(/not a JSON number/);
  });
});

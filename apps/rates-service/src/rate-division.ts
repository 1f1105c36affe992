import { decimal, decimalToString, parseRate, pow10, roundHalfEven } from '@billing/money';

/**
 * Cross rates keep this many significant digits. Twelve is far beyond any published rate (the
 * ECB prints 5 to 6, Open Exchange Rates 6 to 8), so a cross rate never loses what the
 * provider said, and a conversion of any realistic amount still rounds to the same minor unit.
 */
export const CROSS_RATE_SIGNIFICANT_DIGITS = 12;

/**
 * numerator / denominator for two positive decimal strings, as a decimal string rounded
 * half-even to `significantDigits` significant digits, without trailing zeros. Integer bigint
 * arithmetic throughout: no float ever sees a rate.
 */
export function divideRates(
  numerator: string,
  denominator: string,
  significantDigits = CROSS_RATE_SIGNIFICANT_DIGITS,
): string {
  const top = parseRate(numerator);
  const bottom = parseRate(denominator);
  // As a ratio of integers: (a / 10^sa) / (b / 10^sb) = (a * 10^sb) / (b * 10^sa).
  const n = top.coefficient * pow10(bottom.scale);
  const d = bottom.coefficient * pow10(top.scale);
  // The quotient lies in [10^e, 10^(e+1)); keeping `significantDigits` digits means scale
  // significantDigits - 1 - e, never below 0 (a huge rate keeps all its integer digits).
  const e = decimalExponent(n, d);
  const scale = Math.max(0, significantDigits - 1 - e);
  const coefficient = roundHalfEven(n * pow10(scale), d);
  return withoutTrailingZeros(decimalToString(decimal(coefficient, scale)));
}

/** floor(log10(n / d)) for positive n and d. */
function decimalExponent(n: bigint, d: bigint): number {
  let e = n.toString().length - d.toString().length;
  // The digit-count guess is right or one too high.
  if (e >= 0 ? n < d * pow10(e) : n * pow10(-e) < d) e -= 1;
  return e;
}

function withoutTrailingZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

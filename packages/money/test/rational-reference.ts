// An independent reference for the property tests: exact rationals and half-even rounding
// written a different way from the package (floor division and a reduced fraction instead of
// truncation and remainders), so a shared mistake is unlikely.

export type Rational = { readonly numerator: bigint; readonly denominator: bigint };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(numerator: bigint, denominator: bigint): Rational {
  if (denominator === 0n) throw new Error('zero denominator');
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator) || 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

export function times(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.numerator, a.denominator * b.denominator);
}

export function tenTo(power: number): bigint {
  let result = 1n;
  for (let i = 0; i < power; i++) result *= 10n;
  return result;
}

/** A decimal coefficient × 10^-scale as a rational. */
export function fromScaled(coefficient: bigint, scale: number): Rational {
  return rational(coefficient, tenTo(scale));
}

function floorOf(value: Rational): bigint {
  const truncated = value.numerator / value.denominator;
  return truncated * value.denominator > value.numerator ? truncated - 1n : truncated;
}

/** The nearest integer to value, an exact tie going to the even one. */
export function nearestEven(value: Rational): bigint {
  const below = floorOf(value);
  // fraction = value - below, in [0, 1); compare it with 1/2 by cross-multiplying.
  const fractionNumerator = value.numerator - below * value.denominator;
  const doubled = 2n * fractionNumerator;
  if (doubled < value.denominator) return below;
  if (doubled > value.denominator) return below + 1n;
  return below % 2n === 0n ? below : below + 1n;
}

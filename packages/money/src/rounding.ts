// The single rounding rule of the platform: half-even (banker's rounding), applied once, at the
// end of an exact computation. Everything here is bigint so no float ever sees an amount.
import { MoneyError } from './money-error.ts';

const POWERS_OF_TEN: bigint[] = [1n];

/** 10^n as a bigint, cached because scaling by powers of ten is on every hot path. */
export function pow10(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MoneyError('invalid_argument', `a power of ten needs a non-negative integer exponent, got ${n}`);
  }
  let power = POWERS_OF_TEN[n];
  if (power !== undefined) return power;
  if (n > 256) return 10n ** BigInt(n);
  for (let i = POWERS_OF_TEN.length; i <= n; i++) POWERS_OF_TEN[i] = (POWERS_OF_TEN[i - 1] as bigint) * 10n;
  power = POWERS_OF_TEN[n] as bigint;
  return power;
}

/**
 * numerator / denominator rounded to the nearest integer; an exact half goes to the even
 * neighbour (2.5 → 2, 3.5 → 4, -2.5 → -2), so rounding many values has no upward drift.
 */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new MoneyError('invalid_argument', 'cannot round a division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncated toward zero
  const remainder = numerator % denominator; // has the sign of the numerator
  if (remainder === 0n) return quotient;
  const twiceRemainder = remainder < 0n ? -2n * remainder : 2n * remainder;
  const awayFromZero = numerator < 0n ? quotient - 1n : quotient + 1n;
  if (twiceRemainder > denominator) return awayFromZero;
  if (twiceRemainder < denominator) return quotient;
  return quotient % 2n === 0n ? quotient : awayFromZero;
}

/** Re-expresses coefficient × 10^-fromScale at toScale, rounding half-even if precision is lost. */
export function rescaleHalfEven(coefficient: bigint, fromScale: number, toScale: number): bigint {
  if (toScale >= fromScale) return coefficient * pow10(toScale - fromScale);
  return roundHalfEven(coefficient, pow10(fromScale - toScale));
}

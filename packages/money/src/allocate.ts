// Splitting an amount by ratios without losing or inventing a minor unit. Each part
// first gets the floor of its exact share; the few units left over (fewer than the number of
// parts) go one each to the parts with the largest remainders, earlier parts first on ties, so
// the result is deterministic, sums to the total and is as close to proportional as integers allow.
import { parseDecimal } from './decimal.ts';
import { Money } from './money.ts';
import { MoneyError } from './money-error.ts';
import { pow10 } from './rounding.ts';

/** A weight: a non-negative bigint, a non-negative safe integer, or a decimal string ("33.5"). */
export type Ratio = bigint | number | string;

export function allocate(money: Money, ratios: readonly Ratio[]): Money[] {
  const weights = toIntegerWeights(ratios);
  const total = weights.reduce((acc, weight) => acc + weight, 0n);
  if (total === 0n) throw new MoneyError('invalid_ratios', 'allocation ratios must not all be zero');

  const negative = money.minor < 0n;
  const amount = negative ? -money.minor : money.minor;
  const shares = weights.map((weight) => (amount * weight) / total);
  const remainders = weights.map((weight) => (amount * weight) % total);
  let leftOver = amount - shares.reduce((acc, share) => acc + share, 0n);

  const byRemainder = remainders
    .map((remainder, index) => ({ remainder, index }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (leftOver === 0n) break;
    shares[index] = (shares[index] as bigint) + 1n;
    leftOver -= 1n;
  }
  return shares.map((share) => Money.fromMinor(negative ? -share : share, money.currency));
}

/** Brings every ratio to a non-negative bigint at one common decimal scale. */
function toIntegerWeights(ratios: readonly Ratio[]): bigint[] {
  if (ratios.length === 0) throw new MoneyError('invalid_ratios', 'allocation needs at least one ratio');
  const decimals = ratios.map((ratio, index) => toRatioDecimal(ratio, index));
  const scale = Math.max(...decimals.map((d) => d.scale));
  return decimals.map((d) => d.coefficient * pow10(scale - d.scale));
}

function toRatioDecimal(ratio: Ratio, index: number): { coefficient: bigint; scale: number } {
  const where = `ratio #${index + 1}`;
  if (typeof ratio === 'bigint') {
    if (ratio < 0n) throw new MoneyError('invalid_ratios', `${where} is ${ratio}; ratios must not be negative`);
    return { coefficient: ratio, scale: 0 };
  }
  if (typeof ratio === 'number') {
    if (!Number.isSafeInteger(ratio) || ratio < 0) {
      throw new MoneyError('invalid_ratios',
        `${where} is ${ratio}; a number ratio must be a non-negative safe integer (pass fractions as strings)`);
    }
    return { coefficient: BigInt(ratio), scale: 0 };
  }
  if (typeof ratio === 'string') {
    try {
      return parseDecimal(ratio, { nonNegative: true, label: where });
    } catch (error) {
      if (error instanceof MoneyError) throw new MoneyError('invalid_ratios', `${where}: ${error.message}`);
      throw error;
    }
  }
  throw new MoneyError('invalid_ratios', `${where} is a ${typeof ratio}; use a bigint, an integer or a decimal string`);
}

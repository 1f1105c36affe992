/**
 * A regular expression (JSON Schema `pattern`) for the decimals the money package parses as greater
 * than zero: no sign, no leading zeros, at most `maxIntegerDigits` before the point and `maxDecimals`
 * after it. Written without lookahead, so every JSON Schema tool can use it: a value below 1 must
 * have a non-zero digit among its decimals, spelled out for each count of leading zeros.
 */
export function positiveDecimalPattern(maxIntegerDigits: number, maxDecimals: number): string {
  const atLeastOne = `[1-9][0-9]{0,${maxIntegerDigits - 1}}`;
  if (maxDecimals === 0) return `^${atLeastOne}$`;
  const belowOne = Array.from({ length: maxDecimals }, (_, zeros) => {
    const rest = maxDecimals - zeros - 1;
    return `${'0'.repeat(zeros)}[1-9]${rest > 0 ? `[0-9]{0,${rest}}` : ''}`;
  });
  return `^(${atLeastOne}(\\.[0-9]{1,${maxDecimals}})?|0\\.(${belowOne.join('|')}))$`;
}

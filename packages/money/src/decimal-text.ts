// The one textual form amounts, quantities and rates may take: an optional "-", integer digits
// without leading zeros, and optionally "." followed by at least one digit. No exponent, no "+",
// no whitespace, no group separators, no negative zero. Anything else is refused with a message
// naming the first thing that is wrong, because the caller usually has a human to tell.
import { MoneyError } from './money-error.ts';

export type DecimalText = {
  readonly negative: boolean;
  readonly integerDigits: string;
  readonly fractionDigits: string;
};

const PLAIN_DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const ALL_ZERO = /^0+$/;

/** Echoes (a bounded prefix of) the caller's input in messages, quoted so blanks are visible. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Splits a plain decimal into its parts or throws a MoneyError saying why it is not one. */
export function readDecimalText(text: string, label: string, maxIntegerDigits: number): DecimalText {
  if (typeof text !== 'string') {
    throw new MoneyError('invalid_argument', `${label} must be a decimal string, got ${typeof text}`);
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (match === null) throw explainMalformed(text, label);
  const negative = match[1] === '-';
  const integerDigits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  if (negative && integerDigits === '0' && (fractionDigits === '' || ALL_ZERO.test(fractionDigits))) {
    throw new MoneyError('negative_zero', `${quote(text)} is a negative zero; write it without the "-"`);
  }
  if (integerDigits.length > maxIntegerDigits) {
    throw new MoneyError('too_many_integer_digits',
      `${quote(text)} has ${integerDigits.length} integer digits but ${label} allows at most ${maxIntegerDigits}`);
  }
  return { negative, integerDigits, fractionDigits };
}

function explainMalformed(text: string, label: string): MoneyError {
  const shown = quote(text);
  if (text === '') return new MoneyError('empty', `${label} is empty`);
  if (text.trim() !== text) return new MoneyError('whitespace', `${shown} has leading or trailing whitespace`);
  if (text.startsWith('+')) {
    return new MoneyError('plus_sign', `${shown} has a "+" sign; write positive values without a sign`);
  }
  const unsigned = text.startsWith('-') ? text.slice(1) : text;
  if (/^\.*$/.test(unsigned)) return new MoneyError('malformed', `${shown} has no digits`);
  if (/^[0-9]+(\.[0-9]+)?[eE][-+]?[0-9]+$/.test(unsigned)) {
    return new MoneyError('malformed', `${shown} uses exponent notation; write the digits out in full`);
  }
  if (/^(NaN|[-+]?Infinity)$/i.test(text)) return new MoneyError('malformed', `${shown} is not a number`);
  if (/^0[0-9]/.test(unsigned)) {
    return new MoneyError('leading_zero', `${shown} has a leading zero; write ${quote(withoutLeadingZeros(text))}`);
  }
  if (unsigned.startsWith('.')) {
    return new MoneyError('malformed', `${shown} has no digits before the decimal point; write ${quote(text.replace('.', '0.'))}`);
  }
  if (unsigned.endsWith('.') && /^[0-9]+\.$/.test(unsigned)) {
    return new MoneyError('malformed', `${shown} has no digits after the decimal point`);
  }
  if (unsigned.indexOf('.') !== unsigned.lastIndexOf('.')) {
    return new MoneyError('malformed', `${shown} has more than one decimal point`);
  }
  const offset = text.length - unsigned.length;
  const bad = [...unsigned].findIndex((char) => !/[0-9.]/.test(char));
  const char = unsigned[bad] ?? '';
  const hint = char === ',' || char === '_' || char === "'" ? ' (no group separators)' : '';
  return new MoneyError('malformed',
    `${shown} is not a plain decimal: unexpected ${JSON.stringify(char)} at position ${offset + bad + 1}${hint}`);
}

function withoutLeadingZeros(text: string): string {
  return text.replace(/^(-?)0+(?=[0-9])/, '$1');
}

/** Writes coefficient × 10^-scale with exactly `scale` decimals: (1050n, 2) → "10.50". */
export function writeDecimalText(coefficient: bigint, scale: number): string {
  const negative = coefficient < 0n;
  const digits = (negative ? -coefficient : coefficient).toString();
  const sign = negative ? '-' : '';
  if (scale === 0) return sign + digits;
  const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
  const point = padded.length - scale;
  return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}

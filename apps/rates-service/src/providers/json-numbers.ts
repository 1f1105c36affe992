/**
 * JSON whose numbers are rates: every number is kept as the exact text the provider wrote, so
 * it never passes through a JavaScript float. Node 24's JSON.parse hands a reviver the source
 * text of each primitive (`context.source`); numbers come back as JsonNumber.
 */
export class JsonNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** Thrown for text that is not JSON; the message comes from the JSON parser. */
export class NotJsonError extends Error {
  override readonly name = 'NotJsonError';
}

export function parseJsonKeepingNumbers(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
      if (typeof value !== 'number') return value;
      if (context?.source === undefined) throw new Error('this Node.js does not pass JSON source text to revivers');
      return new JsonNumber(context.source);
    });
  } catch (error) {
    throw new NotJsonError((error as Error).message);
  }
}

const JSON_NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?$/;
/** Exponents this large mean garbage, not a rate; refusing them keeps hostile input cheap. */
const MAX_EXPONENT = 40;

/**
 * A JSON number token written as a plain decimal, exactly: "1.1e-5" → "0.000011",
 * "2.5E+3" → "2500". No rounding ever happens; a token with an exponent beyond ±40 is refused.
 * Signs and zeros are passed through for the rate parser to judge.
 */
export function jsonNumberToDecimal(token: string): string {
  const match = JSON_NUMBER.exec(token);
  if (match === null) throw new Error(`${JSON.stringify(token)} is not a JSON number`);
  const [, sign = '', integer = '', fraction = '', exponentText] = match;
  if (exponentText === undefined) return token;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) throw new Error(`${JSON.stringify(token)} has an exponent beyond ±${MAX_EXPONENT}`);
  const digits = integer + fraction;
  // Where the decimal point lands in `digits` once the exponent has moved it.
  const point = integer.length + exponent;
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0');
  const at = point <= 0 ? 1 : point;
  const wholePart = padded.slice(0, at).replace(/^0+(?=[0-9])/, '');
  const fractionPart = padded.slice(at);
  return `${sign}${wholePart}${fractionPart === '' ? '' : `.${fractionPart}`}`;
}

import { Type } from 'typebox';
import { DESCRIPTION_MAX_CHARS } from '@billing/bills';
import { DEFAULT_PAGE_LIMIT, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT } from '@billing/grpc-kit';
import { CURRENCY_CODES, MAX_INTEGER_DIGITS, currency } from '@billing/money';
import { CurrencyCode } from './currency-code.ts';
import { positiveDecimalPattern } from './decimal-pattern.ts';

// Shapes every resource of the REST API shares: the customer id, money, descriptions, pages.

export const CustomerId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Your id for the customer: 1–64 letters, digits, ".", "_" or "-"',
  examples: ['cus_42'],
  errorMessage: 'must be 1–64 characters of letters, digits, ".", "_" or "-"',
});

export const MAX_CURRENCY_DECIMALS = Math.max(...CURRENCY_CODES.map((code) => currency(code).exponent));

/** Decimal strings only: a JSON number is rejected, so no amount ever passes through a float. */
export function PositiveDecimal(description: string, maxDecimals: number, example: string) {
  return Type.String({
    pattern: positiveDecimalPattern(MAX_INTEGER_DIGITS, maxDecimals),
    description:
      `${description}. A decimal string greater than zero, never a JSON number: at most ${MAX_INTEGER_DIGITS} digits ` +
      `before the point (no leading zeros) and ${maxDecimals} after it, no sign, exponent or spaces`,
    examples: [example],
    errorMessage:
      `must be a decimal string greater than zero with at most ${MAX_INTEGER_DIGITS} digits before the point and ` +
      `${maxDecimals} after it, e.g. "${example}" (not a JSON number)`,
  });
}

export const Money = Type.Object(
  {
    amount: Type.String({ description: 'Decimal string in major units', examples: ['10.50'] }),
    currency: CurrencyCode(),
  },
  { $id: 'Money', title: 'Money' },
);
export const MoneyRef = Type.Ref('Money');

// What String.prototype.trim() removes (bill-service trims a description before checking it), and
// the control characters a trimmed description may not hold (all but tab and line feed).
const TRIMMED = '\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const CONTROL = '\\u0000-\\u0008\\u000b-\\u001f\\u007f';
// Trimmable edges around a core that starts and ends with a visible character and holds no control character.
const VISIBLE = `[^${TRIMMED}${CONTROL}]`;
export const DESCRIPTION_PATTERN = `^[${TRIMMED}]*${VISIBLE}([^${CONTROL}]*${VISIBLE})?[${TRIMMED}]*$`;

/** A description as bill-service stores it: trimmed, 1–500 characters, no control characters. */
export function Description(what: string) {
  return Type.String({
    minLength: 1,
    maxLength: DESCRIPTION_MAX_CHARS,
    pattern: DESCRIPTION_PATTERN,
    description: `${what}: 1–${DESCRIPTION_MAX_CHARS} characters, not blank; stored trimmed, and then holding no control character but tab and line feed`,
    errorMessage: `must be 1–${DESCRIPTION_MAX_CHARS} characters, not blank, without control characters`,
  });
}

export const Limit = Type.Integer({
  minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT, description: `Page size, 1–${MAX_PAGE_LIMIT}`,
});
export const Cursor = Type.String({
  maxLength: MAX_CURSOR_LENGTH,
  description: 'Opaque: the nextCursor of the previous page, passed back unchanged. Its content is not part of the API; any other value is a 400',
});

export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

export const NextCursor = Type.Union([Type.String({ maxLength: MAX_CURSOR_LENGTH }), Type.Null()], {
  description: 'Opaque; pass it as cursor for the next page, unchanged. null on the last page',
});

export const CustomerParams = Type.Object({ customerId: CustomerId });

/** A time zone a client names; whether the server's time-zone database knows it is the service's check. */
export function TimeZoneName(what: string) {
  return Type.String({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$',
    description: `${what}: an IANA time zone name known to the server time-zone database; default UTC`,
    examples: ['Europe/Berlin'],
    errorMessage: 'must be an IANA time zone name such as Europe/Berlin (1–64 letters, digits, "_", "+", "-" or "/")',
  });
}

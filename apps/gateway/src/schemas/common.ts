import { Type, type Static, type TSchema, type TUnion } from 'typebox';
import { CHARACTER_RULE, CUSTOMER_ID_PATTERN, CUSTOMER_ID_RULE, DESCRIPTION_MAX_CHARS, FREE_TEXT_PATTERN, TEXT_VALUE_PATTERN } from '@billing/text';
import { DEFAULT_PAGE_LIMIT, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT } from '@billing/grpc-kit';
import { CURRENCY_CODES, MAX_INTEGER_DIGITS, currency } from '@billing/money';
import { CurrencyCode } from './currency-code.ts';
import { positiveDecimalPattern } from './decimal-pattern.ts';

// Shapes every resource of the REST API shares: the customer id, money, descriptions, pages.

export const CustomerId = Type.String({
  pattern: CUSTOMER_ID_PATTERN,
  description: 'Your id for the customer: 1–64 letters, digits, ".", "_" or "-"',
  examples: ['cus_42'],
  errorMessage: CUSTOMER_ID_RULE,
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

/**
 * Text a person writes (a description, a name, a reason), under the platform's one free-text rule
 * (@billing/text, docs/architecture.md): stored trimmed, then 1–maxChars characters, not blank, with
 * no control characters but tab and line feed and no unpaired surrogates.
 */
export function FreeText(what: string, maxChars: number, extra: { examples?: string[] } = {}) {
  return Type.String({
    minLength: 1,
    maxLength: maxChars,
    pattern: FREE_TEXT_PATTERN,
    description: `${what}: 1–${maxChars} characters, not blank; stored trimmed, with ${CHARACTER_RULE}`,
    errorMessage: `must be 1–${maxChars} characters, not blank, with ${CHARACTER_RULE}`,
    ...extra,
  });
}

/** A description: free text of at most DESCRIPTION_MAX_CHARS, the same for every description. */
export function Description(what: string, extra: { examples?: string[] } = {}) {
  return FreeText(what, DESCRIPTION_MAX_CHARS, extra);
}

/** A text value kept exactly as sent (a metadata value): may be empty, same characters as free text. */
export function TextValue(what: string, maxChars: number) {
  return Type.String({
    maxLength: maxChars,
    pattern: TEXT_VALUE_PATTERN,
    description: `${what}: at most ${maxChars} characters, kept as sent, with ${CHARACTER_RULE}`,
    errorMessage: `must be a string of at most ${maxChars} characters with ${CHARACTER_RULE}`,
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

/**
 * Alternatives as `oneOf` of complete schemas (each object with its own `required` and
 * `additionalProperties: false`), so the document, and a client generated from it, says "A or B"
 * rather than one object of optional fields. TypeBox writes unions as `anyOf`; the static type is
 * the same union. With `errorMessage`, a value that fits no branch is reported by the branch its
 * fields point to, or by that message when they point to none (validation.ts).
 */
export function OneOf<const Branches extends TSchema[]>(branches: Branches, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<TUnion<Branches>>>({ ...options, oneOf: branches } as unknown as TSchema);
}

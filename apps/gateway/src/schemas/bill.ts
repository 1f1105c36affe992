import { Type } from 'typebox';
import {
  DESCRIPTION_MAX_CHARS, IDEMPOTENCY_KEY_MAX_CHARS, METADATA_KEY_MAX_CHARS, METADATA_MAX_KEYS, METADATA_VALUE_MAX_CHARS,
} from '@billing/bills';
import { CURRENCY_CODES, MAX_INTEGER_DIGITS, QUANTITY_MAX_SCALE, UNIT_PRICE_MAX_SCALE, currency } from '@billing/money';
import { CurrencyCode } from './currency-code.ts';
import { positiveDecimalPattern } from './decimal-pattern.ts';
import { Rfc3339 } from './timestamp.ts';

// The bill shapes of the REST API. Each request field carries every rule that can be written as
// JSON Schema (lengths, patterns, the currency list, the year range), so the OpenAPI document says
// exactly what is accepted. What depends on more than the field (an amount's decimals depend on the
// currency, a period must not have ended yet, a time zone must be in the runtime's database) is
// bill-service's, whose INVALID_ARGUMENT names the field.

export const CustomerId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Your id for the customer: 1–64 letters, digits, ".", "_" or "-"',
  examples: ['cus_42'],
  errorMessage: 'must be 1–64 characters of letters, digits, ".", "_" or "-"',
});

// Years 2000–2999, as bill-service's period parser accepts them.
const PERIOD_RULE = 'A calendar month, YYYY-MM, with a year from 2000 to 2999 and a month from 01 to 12';
export const BillingPeriod = Type.String({
  pattern: '^2[0-9]{3}-(0[1-9]|1[0-2])$',
  description: PERIOD_RULE,
  examples: ['2031-02'],
  errorMessage: 'must be a month as YYYY-MM with a year from 2000 to 2999, e.g. 2031-02',
});

const MAX_CURRENCY_DECIMALS = Math.max(...CURRENCY_CODES.map((code) => currency(code).exponent));

/** Decimal strings only: a JSON number is rejected, so no amount ever passes through a float. */
function PositiveDecimal(description: string, maxDecimals: number, example: string) {
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
const MoneyRef = Type.Ref('Money');

export const BillStatusName = Type.Union(
  [Type.Literal('OPEN'), Type.Literal('CLOSING'), Type.Literal('CLOSED'), Type.Literal('FAILED')],
  { description: 'OPEN accepts items; CLOSING is invoicing; CLOSED is final; FAILED carries failureReason' },
);

export const LineItem = Type.Object(
  {
    id: Type.String({ examples: ['li_0c3b...'] }),
    idempotencyKey: Type.String({ description: 'The Idempotency-Key the item was added with (or the one the gateway generated)' }),
    description: Type.String(),
    quantity: Type.String({ description: 'Decimal string; "1" for an item given as an amount', examples: ['3'] }),
    unitPrice: MoneyRef,
    amount: { ...MoneyRef, description: 'quantity × unitPrice in the item currency, rounded once (half-even) to its minor unit' },
    convertedAmount: Type.Union([MoneyRef, Type.Null()], { description: 'In the bill currency when the item currency differs' }),
    exchangeRate: Type.Union([
      Type.Object({
        rate: Type.String({ description: 'The unrounded rate used' }),
        source: Type.String(),
        asOf: Rfc3339('When the rate was published'),
      }),
      Type.Null(),
    ]),
    metadata: Type.Record(Type.String(), Type.String()),
    addedAt: Rfc3339('When the bill accepted the item'),
  },
  { $id: 'LineItem', title: 'LineItem' },
);

const billFields = {
  id: Type.String({ examples: ['bill_5f2c...'] }),
  customerId: CustomerId,
  billingPeriod: BillingPeriod,
  currency: CurrencyCode('Settlement currency of the bill'),
  timeZone: Type.String({ description: 'IANA time zone the period is measured in', examples: ['UTC'] }),
  status: BillStatusName,
  periodStart: Rfc3339('First instant of the period in the bill time zone'),
  periodEnd: Rfc3339('First instant after the period'),
  itemCount: Type.Integer({ minimum: 0 }),
  total: { ...MoneyRef, description: 'Sum of the rounded item amounts, in the bill currency' },
  subtotalsByCurrency: Type.Array(MoneyRef, { description: 'One subtotal per original item currency' }),
  invoiceNumber: Type.Union([Type.String({ examples: ['INV-2025-000123'] }), Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Rfc3339('Creation time'),
  updatedAt: Rfc3339('Last change'),
  closedAt: Type.Union([Rfc3339('When the bill closed'), Type.Null()]),
};

export const Bill = Type.Object(
  { ...billFields, items: Type.Array(Type.Ref('LineItem')) },
  { $id: 'Bill', title: 'Bill' },
);

/** A bill in a list: no `items` field at all (fetch the bill or its items for those). */
export const BillSummary = Type.Object(billFields, { $id: 'BillSummary', title: 'BillSummary' });

export const BillKeyParams = Type.Object({ customerId: CustomerId, billingPeriod: BillingPeriod });
export const CustomerParams = Type.Object({ customerId: CustomerId });

export const CreateBillBody = Type.Object(
  {
    currency: CurrencyCode('Settlement currency'),
    billingPeriod: { ...BillingPeriod, description: `${PERIOD_RULE}; the current month or a later one in the bill time zone` },
    timeZone: Type.Optional(Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z][A-Za-z0-9_+/-]*$',
      description: 'IANA time zone name known to the server time-zone database; default UTC',
      examples: ['Europe/Berlin'],
      errorMessage: 'must be an IANA time zone name such as Europe/Berlin (1–64 letters, digits, "_", "+", "-" or "/")',
    })),
  },
  { additionalProperties: false },
);

// What String.prototype.trim() removes (bill-service trims a description before checking it), and
// the control characters a trimmed description may not hold (all but tab and line feed).
const TRIMMED = '\\u0009-\\u000d\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const CONTROL = '\\u0000-\\u0008\\u000b-\\u001f\\u007f';
// Trimmable edges around a core that starts and ends with a visible character and holds no control character.
const VISIBLE = `[^${TRIMMED}${CONTROL}]`;
const DESCRIPTION_PATTERN = `^[${TRIMMED}]*${VISIBLE}([^${CONTROL}]*${VISIBLE})?[${TRIMMED}]*$`;

/** The key of an item inside its bill: visible ASCII, no spaces (it is logged and sent in headers). */
export const ItemIdempotencyKey = Type.String({
  pattern: `^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_CHARS}}$`,
  description: 'Also the item key inside the bill, so a retry never adds the item twice: see the idempotency section of the API description',
  examples: ['order-7731-fee-1'],
  errorMessage: `must be 1–${IDEMPOTENCY_KEY_MAX_CHARS} visible ASCII characters without spaces`,
});

export const AddLineItemBody = Type.Object(
  {
    description: Type.String({
      minLength: 1,
      maxLength: DESCRIPTION_MAX_CHARS,
      pattern: DESCRIPTION_PATTERN,
      description: `1–${DESCRIPTION_MAX_CHARS} characters, not blank; stored trimmed, and then holding no control character but tab and line feed`,
      errorMessage: `must be 1–${DESCRIPTION_MAX_CHARS} characters, not blank, without control characters`,
    }),
    amount: Type.Optional(PositiveDecimal(
      'The item amount, instead of quantity + unitPrice; at most the item currency minor-unit decimals (USD 2, JPY 0, KWD 3)',
      MAX_CURRENCY_DECIMALS, '10.50',
    )),
    quantity: Type.Optional(PositiveDecimal('Units; with unitPrice', QUANTITY_MAX_SCALE, '3')),
    unitPrice: Type.Optional(PositiveDecimal('Price per unit; with quantity', UNIT_PRICE_MAX_SCALE, '0.3333333333')),
    currency: Type.Optional(CurrencyCode('Item currency; default the bill currency. Another currency is converted at the rate of the day')),
    metadata: Type.Optional(Type.Record(
      Type.String(),
      Type.String({ maxLength: METADATA_VALUE_MAX_CHARS, errorMessage: `must be a string of at most ${METADATA_VALUE_MAX_CHARS} characters` }),
      {
        maxProperties: METADATA_MAX_KEYS,
        propertyNames: {
          pattern: `^[A-Za-z0-9_.:-]{1,${METADATA_KEY_MAX_CHARS}}$`,
          errorMessage: `keys must be 1–${METADATA_KEY_MAX_CHARS} letters, digits, "_", ".", ":" or "-"`,
        },
        description:
          `Up to ${METADATA_MAX_KEYS} entries; keys 1–${METADATA_KEY_MAX_CHARS} letters, digits, "_", ".", ":" or "-", ` +
          `values strings of at most ${METADATA_VALUE_MAX_CHARS} characters`,
        errorMessage:
          `must have at most ${METADATA_MAX_KEYS} entries whose keys are 1–${METADATA_KEY_MAX_CHARS} letters, digits, ` +
          '"_", ".", ":" or "-"',
      },
    )),
  },
  {
    additionalProperties: false,
    // Either a plain amount, or quantity and unitPrice: one of the two, never both.
    allOf: [{
      oneOf: [
        { required: ['amount'], not: { anyOf: [{ required: ['quantity'] }, { required: ['unitPrice'] }] } },
        { required: ['quantity', 'unitPrice'], not: { required: ['amount'] } },
      ],
      errorMessage: 'give either amount, or quantity and unitPrice, not both',
    }],
  },
);

const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, 1–200' });
const Cursor = Type.String({
  maxLength: 512,
  description: 'Opaque: the nextCursor of the previous page, passed back unchanged. Its content is not part of the API; any other value is a 400',
});

export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

export const ListBillsQuery = Type.Object({
  status: Type.Optional(BillStatusName),
  from: Type.Optional({ ...BillingPeriod, description: 'First period to include, YYYY-MM' }),
  to: Type.Optional({ ...BillingPeriod, description: 'Last period to include, YYYY-MM' }),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

const NextCursor = Type.Union([Type.String({ maxLength: 512 }), Type.Null()], {
  description: 'Opaque; pass it as cursor for the next page, unchanged. null on the last page',
});

export const LineItemPage = Type.Object({ items: Type.Array(Type.Ref('LineItem')), nextCursor: NextCursor }, { title: 'LineItemPage' });
export const BillPage = Type.Object({ items: Type.Array(Type.Ref('BillSummary')), nextCursor: NextCursor }, { title: 'BillPage' });

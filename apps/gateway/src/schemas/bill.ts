import { Type } from 'typebox';
import {
  IDEMPOTENCY_KEY_MAX_CHARS, METADATA_KEY_MAX_CHARS, METADATA_MAX_KEYS, METADATA_VALUE_MAX_CHARS,
} from '@billing/bills';
import { QUANTITY_MAX_SCALE, UNIT_PRICE_MAX_SCALE } from '@billing/money';
import { CHARACTER_RULE } from '@billing/text';
import {
  Cursor, CustomerId, Description, TimeZoneName, Limit, MAX_CURRENCY_DECIMALS, MoneyRef, NextCursor, OneOf, PositiveDecimal, TextValue,
} from './common.ts';
import { CurrencyCode, RequestedCurrencyCode } from './currency-code.ts';
import { Rfc3339 } from './timestamp.ts';

// The bill shapes of the REST API. Each request field carries every rule that can be written as
// JSON Schema (lengths, patterns, the currency list, the year range), so the OpenAPI document says
// exactly what is accepted. What depends on more than the field (an amount's decimals depend on the
// currency, a period must not have ended yet, a time zone must be in the runtime's database) is
// bill-service's, whose INVALID_ARGUMENT names the field.

// Years 2000–2999, as bill-service's period parser accepts them.
const PERIOD_RULE = 'A calendar month, YYYY-MM, with a year from 2000 to 2999 and a month from 01 to 12';
export const BillingPeriod = Type.String({
  pattern: '^2[0-9]{3}-(0[1-9]|1[0-2])$',
  description: PERIOD_RULE,
  examples: ['2031-02'],
  errorMessage: 'must be a month as YYYY-MM with a year from 2000 to 2999, e.g. 2031-02',
});

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
  amountDue: {
    ...MoneyRef,
    description: 'What is still owed, from the ledger: the invoiced total minus payments plus refunds; zero before the bill closes',
  },
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

export const CreateBillBody = Type.Object(
  {
    currency: RequestedCurrencyCode('Settlement currency; a deployment may accept only some currencies on bills'),
    billingPeriod: { ...BillingPeriod, description: `${PERIOD_RULE}; the current month or a later one in the bill time zone` },
    timeZone: Type.Optional(TimeZoneName('The time zone the period is measured in')),
  },
  { additionalProperties: false },
);

/** The key of an item inside its bill: visible ASCII, no spaces (it is logged and sent in headers). */
export const ItemIdempotencyKey = Type.String({
  pattern: `^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_MAX_CHARS}}$`,
  description: 'Also the item key inside the bill, so a retry never adds the item twice: see the idempotency section of the API description',
  examples: ['order-7731-fee-1'],
  errorMessage: `must be 1–${IDEMPOTENCY_KEY_MAX_CHARS} visible ASCII characters without spaces`,
});

const itemFields = {
  description: Description('The item'),
  currency: Type.Optional(RequestedCurrencyCode('Item currency; default the bill currency. Another currency is converted at the rate of the day')),
  metadata: Type.Optional(Type.Record(
    Type.String(),
    TextValue('A metadata value', METADATA_VALUE_MAX_CHARS),
    {
      maxProperties: METADATA_MAX_KEYS,
      propertyNames: {
        pattern: `^[A-Za-z0-9_.:-]{1,${METADATA_KEY_MAX_CHARS}}$`,
        errorMessage: `keys must be 1–${METADATA_KEY_MAX_CHARS} letters, digits, "_", ".", ":" or "-"`,
      },
      description:
        `Up to ${METADATA_MAX_KEYS} entries; keys 1–${METADATA_KEY_MAX_CHARS} letters, digits, "_", ".", ":" or "-", ` +
        `values strings of at most ${METADATA_VALUE_MAX_CHARS} characters, kept as sent, with ${CHARACTER_RULE}`,
      errorMessage:
        `must have at most ${METADATA_MAX_KEYS} entries whose keys are 1–${METADATA_KEY_MAX_CHARS} letters, digits, ` +
        '"_", ".", ":" or "-"',
    },
  )),
};

/** An item given as a plain amount. */
export const AmountItemBody = Type.Object(
  {
    description: itemFields.description,
    amount: PositiveDecimal(
      'The item amount, instead of quantity + unitPrice; at most the item currency minor-unit decimals (USD 2, JPY 0, KWD 3)',
      MAX_CURRENCY_DECIMALS, '10.50',
    ),
    currency: itemFields.currency,
    metadata: itemFields.metadata,
  },
  { additionalProperties: false, title: 'AmountLineItemBody' },
);

/** An item given as quantity × unitPrice. */
export const PricedItemBody = Type.Object(
  {
    description: itemFields.description,
    quantity: PositiveDecimal('Units; with unitPrice', QUANTITY_MAX_SCALE, '3'),
    unitPrice: PositiveDecimal('Price per unit; with quantity', UNIT_PRICE_MAX_SCALE, '0.3333333333'),
    currency: itemFields.currency,
    metadata: itemFields.metadata,
  },
  { additionalProperties: false, title: 'PricedLineItemBody' },
);

// Either a plain amount, or quantity and unitPrice: one of the two complete shapes, never both.
export const AddLineItemBody = OneOf([AmountItemBody, PricedItemBody], {
  errorMessage: 'give either amount, or quantity and unitPrice, not both',
});

export const ListBillsQuery = Type.Object({
  status: Type.Optional(BillStatusName),
  from: Type.Optional({ ...BillingPeriod, description: 'First period to include, YYYY-MM' }),
  to: Type.Optional({ ...BillingPeriod, description: 'Last period to include, YYYY-MM' }),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const LineItemPage = Type.Object({ items: Type.Array(Type.Ref('LineItem')), nextCursor: NextCursor }, { title: 'LineItemPage' });
export const BillPage = Type.Object({ items: Type.Array(Type.Ref('BillSummary')), nextCursor: NextCursor }, { title: 'BillPage' });

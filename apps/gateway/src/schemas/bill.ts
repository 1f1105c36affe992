import { Type } from 'typebox';
import { CurrencyCode } from './currency-code.ts';
import { Rfc3339 } from './timestamp.ts';

// The shapes of product.md §7 for bills. The gateway checks what is cheap to check here (types,
// patterns, lengths, unknown fields); what needs the currency table or the bill (decimals per
// currency, > 0, a period that has ended) is bill-service's, whose INVALID_ARGUMENT names the field.

export const CustomerId = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Your id for the customer: 1–64 letters, digits, ".", "_" or "-"',
  examples: ['cus_42'],
  errorMessage: 'must be 1–64 characters of letters, digits, ".", "_" or "-"',
});

export const BillingPeriod = Type.String({
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  description: 'A calendar month, YYYY-MM',
  examples: ['2025-09'],
  errorMessage: 'must be a month as YYYY-MM, e.g. 2025-09',
});

/** Decimal strings only: a JSON number is rejected, so no amount ever passes through a float. */
function DecimalString(description: string, example: string) {
  return Type.String({
    minLength: 1,
    maxLength: 64,
    description: `${description}; a decimal string, never a JSON number`,
    examples: [example],
    errorMessage: 'must be a decimal string of at most 64 characters, e.g. "10.50" (not a JSON number)',
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
    billingPeriod: BillingPeriod,
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; default UTC', examples: ['Europe/Berlin'] })),
  },
  { additionalProperties: false },
);

export const AddLineItemBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500, description: '1–500 characters' }),
    amount: Type.Optional(DecimalString('The item amount (> 0, at most the currency minor digits); instead of quantity + unitPrice', '10.50')),
    quantity: Type.Optional(DecimalString('Units (> 0, up to 6 decimals); with unitPrice', '3')),
    unitPrice: Type.Optional(DecimalString('Price per unit (> 0, up to 10 decimals); with quantity', '0.3333333333')),
    currency: Type.Optional(CurrencyCode('Item currency; default the bill currency')),
    metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 500 }), { description: 'Up to 20 string entries' })),
  },
  { additionalProperties: false },
);

const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, 1–200' });
const Cursor = Type.String({ maxLength: 512, description: 'nextCursor of the previous page' });

export const PageQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

export const ListBillsQuery = Type.Object({
  status: Type.Optional(BillStatusName),
  from: Type.Optional({ ...BillingPeriod, description: 'First period to include, YYYY-MM' }),
  to: Type.Optional({ ...BillingPeriod, description: 'Last period to include, YYYY-MM' }),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last' });

export const LineItemPage = Type.Object({ items: Type.Array(Type.Ref('LineItem')), nextCursor: NextCursor }, { title: 'LineItemPage' });
export const BillPage = Type.Object({ items: Type.Array(Type.Ref('BillSummary')), nextCursor: NextCursor }, { title: 'BillPage' });

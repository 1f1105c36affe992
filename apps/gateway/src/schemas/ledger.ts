import { Type } from 'typebox';
import { MAX_UNIT_EXPONENT } from '@billing/money';
import { OPTIONAL_BODY } from '../openapi.ts';
import { CustomerId, Description, NextCursor, PositiveDecimal } from './common.ts';
import { CODE_SHAPE } from './currency-code.ts';
import { Rfc3339 } from './timestamp.ts';

// The ledger shapes of the REST API. Wallets and the ledger hold ISO 4217 currencies and the
// non-fiat units a deployment registers (BTC, ETH, POINTS by default), so a code here is checked
// for its shape only: whether bill-service knows it, and whether an amount has no more decimals
// than that code allows, depend on its unit registry, and its INVALID_ARGUMENT names the field.

/** An ISO 4217 code or a registered unit code, as the ledger stores them. */
export function UnitCode(description = 'An ISO 4217 currency code or a registered non-fiat unit (BTC, ETH, POINTS by default)') {
  return Type.String({
    pattern: CODE_SHAPE,
    description,
    examples: ['USD'],
    errorMessage: 'must be an ISO 4217 currency code or a registered unit code: 2–12 upper-case letters or digits, starting with a letter',
  });
}

/** Money as the ledger shows it: in a currency or a registered unit. */
export const LedgerMoney = Type.Object(
  {
    amount: Type.String({ description: 'Decimal string in major units; a balance may be negative on accounts that take either sign', examples: ['10.50'] }),
    currency: UnitCode(),
  },
  { $id: 'LedgerMoney', title: 'LedgerMoney' },
);
const LedgerMoneyRef = Type.Ref('LedgerMoney');

function LedgerAmount(description: string) {
  return PositiveDecimal(
    `${description}; at most the decimals of its currency or unit (USD 2, JPY 0, BTC 8, ETH 18, POINTS 0)`,
    MAX_UNIT_EXPONENT, '25.00',
  );
}

export const AccountKindName = Type.Union(
  ['receivable', 'wallet', 'revenue', 'cash', 'fx', 'external'].map((kind) => Type.Literal(kind)),
  { description: 'receivable: what the customer owes on closed bills; wallet: their prepaid credit, never below zero' },
);

export const Account = Type.Object(
  {
    id: Type.String({ examples: ['acc_wallet_USD_cus_42'] }),
    kind: AccountKindName,
    currency: UnitCode(),
    balance: { ...LedgerMoneyRef, description: 'In the account normal direction: a wallet holding 100.00 shows "100.00", a receivable of 12.34 owed shows "12.34"' },
  },
  { $id: 'Account', title: 'Account' },
);

export const AccountList = Type.Object({ items: Type.Array(Type.Ref('Account')), nextCursor: NextCursor }, { title: 'AccountList' });

export const Entry = Type.Object(
  {
    id: Type.String({ examples: ['ent_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e'] }),
    type: Type.Union(
      ['INVOICE', 'PAYMENT', 'TOPUP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'ADJUSTMENT', 'CREDIT_NOTE', 'CREDIT_NOTE_VOID'].map((type) => Type.Literal(type)),
    ),
    idempotencyKey: Type.String({
      description:
        'The entry key in the ledger: for a posting made through this API, the operation, the customer and the ' +
        'Idempotency-Key it was sent with (or the one the gateway generated); for an invoice, the bill',
      examples: ['topup:cus_42:order-7731-credit'],
    }),
    postings: Type.Array(
      Type.Object({
        accountId: Type.String({ examples: ['acc_wallet_USD_cus_42'] }),
        direction: Type.Union([Type.Literal('DEBIT'), Type.Literal('CREDIT')]),
        amount: { ...LedgerMoneyRef, description: 'Greater than zero' },
      }),
      { minItems: 2, description: 'Debits equal credits in every currency' },
    ),
    createdAt: Rfc3339('When the entry was posted'),
    reference: Type.Union([Type.String(), Type.Null()], {
      description: 'What the entry is about: a bill id, the payment a refund gives back, an adjustment reason; null if none',
    }),
  },
  { $id: 'Entry', title: 'Entry' },
);

export const EntryPage = Type.Object({ items: Type.Array(Type.Ref('Entry')), nextCursor: NextCursor }, { title: 'EntryPage' });

export const TrialBalance = Type.Object(
  {
    items: Type.Array(Type.Object({
      currency: UnitCode(),
      debits: Type.String({ description: 'Sum of all debits in major units of the currency', examples: ['1250.00'] }),
      credits: Type.String({ description: 'Sum of all credits; always equal to debits', examples: ['1250.00'] }),
    })),
  },
  { title: 'TrialBalance' },
);

export const WalletMovementBody = Type.Object(
  { amount: LedgerAmount('How much'), currency: UnitCode() },
  { additionalProperties: false, examples: [{ amount: '25.00', currency: 'USD' }, { amount: '1500', currency: 'POINTS' }] },
);

export const TransferBody = Type.Object(
  {
    fromCustomerId: { ...CustomerId, description: 'The customer whose wallet pays' },
    toCustomerId: { ...CustomerId, description: 'The customer whose wallet receives; another customer' },
    amount: LedgerAmount('How much'),
    currency: UnitCode(),
  },
  { additionalProperties: false, examples: [{ fromCustomerId: 'cus_42', toCustomerId: 'cus_43', amount: '10.00', currency: 'USD' }] },
);

export const PayBillBody = Type.Object(
  { source: Type.Literal('wallet', { description: 'Where the money comes from: the customer wallet in the bill currency' }) },
  { additionalProperties: false, examples: [{ source: 'wallet' }] },
);

export const EntryId = Type.String({
  pattern: '^ent_[A-Za-z0-9]{1,64}$',
  description: 'The id of a PAYMENT entry',
  examples: ['ent_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e'],
  errorMessage: 'must be an entry id: "ent_" and 1–64 letters or digits',
});

export const RefundParams = Type.Object({ customerId: CustomerId, entryId: EntryId });

// The payment fixes the currency; a client that states one (say, to guard against refunding the
// wrong payment) is told when it differs. A currency says what an amount is in, so it comes only
// with one. The whole body may be left out (a full refund).
export const RefundBody = Type.Object(
  {
    amount: Type.Optional(LedgerAmount('How much to give back, in the payment currency; default everything not yet refunded')),
    currency: Type.Optional(UnitCode('The payment currency, stated with `amount`; another one is a 400')),
  },
  {
    additionalProperties: false,
    dependentRequired: { currency: ['amount'] },
    [OPTIONAL_BODY]: true,
    examples: [{ amount: '5.00', currency: 'USD' }],
  },
);

export const AdjustmentBody = Type.Object(
  {
    customerId: CustomerId,
    account: Type.Union([Type.Literal('wallet'), Type.Literal('receivable')], { description: 'Which of the customer accounts to correct' }),
    direction: Type.Union([Type.Literal('credit'), Type.Literal('debit')], {
      description: 'credit raises a wallet (a goodwill credit) or lowers a receivable (a write-off); debit the reverse',
    }),
    amount: LedgerAmount('How much'),
    currency: UnitCode(),
    reason: Description('Why, kept as the entry reference', { examples: ['Goodwill credit for the outage of 3 March'] }),
  },
  {
    additionalProperties: false,
    examples: [{ customerId: 'cus_42', account: 'wallet', direction: 'credit', amount: '5.00', currency: 'USD', reason: 'Goodwill credit for the outage of 3 March' }],
  },
);

import { Type } from 'typebox';
import { CODE_SHAPE } from './currency-code.ts';
import { CustomerId, FreeText, NextCursor, OneOf, PositiveDecimal } from './common.ts';
import { Rfc3339 } from './timestamp.ts';

// The credit note shapes of the REST API (docs/invoices.md, "Credit notes").

const Amount = PositiveDecimal('In the bill currency, at most its decimals', 18, '25.00');
const CreditMoney = Type.Object({ amount: Type.String({ examples: ['25.00'] }), currency: Type.String({ pattern: CODE_SHAPE, examples: ['USD'] }) });

export const CreditNoteSettlementName = Type.Union(['refund', 'wallet', 'outOfBand'].map((name) => Type.Literal(name)), {
  description:
    'What happens to the part of the credit the customer had already paid: `refund` gives it back the way the bill\'s payments ' +
    'came, `wallet` credits the customer wallet, `outOfBand` records that it went back outside the platform',
});

const CreditReason = FreeText('Why the invoice is credited; printed on the credit note', 500, { examples: ['Duplicate charge'] });

const LinesCreditBody = Type.Object(
  {
    reason: CreditReason,
    lines: Type.Array(Type.Object({
      itemId: Type.String({ pattern: '^li_[0-9a-f]{32}$', description: 'A line item of the bill', examples: ['li_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4'], errorMessage: 'must be a line item id: li_ and 32 hex digits' }),
      amount: Type.Optional({ ...Amount, description: 'Default: everything of the item not yet credited' }),
    }, { additionalProperties: false }), { minItems: 1, maxItems: 500 }),
    settlement: CreditNoteSettlementName,
  },
  {
    additionalProperties: false, title: 'LinesCredit', description: 'A credit of some of the bill\'s line items',
    examples: [{ reason: 'Duplicate charge', lines: [{ itemId: 'li_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4', amount: '5.00' }], settlement: 'refund' }],
  },
);

const AmountCreditBody = Type.Object(
  {
    reason: CreditReason,
    amount: { ...Amount, description: 'A credit of the bill as a whole' },
    settlement: CreditNoteSettlementName,
  },
  {
    additionalProperties: false, title: 'AmountCredit', description: 'A credit of the bill as a whole',
    examples: [{ reason: 'Goodwill', amount: '10.00', settlement: 'wallet' }],
  },
);

/** Lines or an amount, never both: two complete alternatives (docs/api-contract.md). */
export const IssueCreditNoteBody = OneOf([LinesCreditBody, AmountCreditBody], {
  errorMessage: 'give either lines or an amount, not both',
  examples: [{ reason: 'Duplicate charge', lines: [{ itemId: 'li_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4', amount: '5.00' }], settlement: 'refund' }],
});

export const CreditNoteParams = Type.Object({
  customerId: CustomerId,
  billingPeriod: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', examples: ['2026-11'] }),
  creditNoteId: Type.String({ pattern: '^cn_[0-9a-f]{32}$', examples: ['cn_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e'], errorMessage: 'must be a credit note id: cn_ and 32 hex digits' }),
});

export const CreditNote = Type.Object(
  {
    id: Type.String({ examples: ['cn_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e'] }),
    number: Type.String({ description: 'In its own gap-free yearly series', examples: ['CN-2026-000001'] }),
    customerId: CustomerId,
    billId: Type.String(),
    billingPeriod: Type.String({ examples: ['2026-11'] }),
    invoiceNumber: Type.String({ description: 'The credited invoice', examples: ['INV-2026-000042'] }),
    status: Type.Union([Type.Literal('ISSUED'), Type.Literal('VOID')]),
    reason: Type.String(),
    settlement: CreditNoteSettlementName,
    amount: { ...CreditMoney, description: 'The whole credit' },
    appliedToAmountDue: { ...CreditMoney, description: 'The part that lowered what the bill still owed' },
    settled: { ...CreditMoney, description: 'The part the settlement gave back' },
    lines: Type.Array(Type.Object({
      itemId: Type.Union([Type.String(), Type.Null()], { description: 'The credited line item; null for a credit of the bill as a whole' }),
      description: Type.String(),
      amount: CreditMoney,
    })),
    entryIds: Type.Array(Type.String(), { description: 'Its ledger entries: the CREDIT_NOTE entry, then the settlement\'s REFUND entries' }),
    voidEntryId: Type.Union([Type.String(), Type.Null()], { description: 'The CREDIT_NOTE_VOID entry of a voided credit note' }),
    documents: Type.Array(Type.Object({
      format: Type.Union([Type.Literal('pdf'), Type.Literal('html'), Type.Literal('xml')]),
      contentType: Type.String(),
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      size: Type.Integer({ minimum: 1 }),
      url: Type.String({
        description: 'Its path on this API', examples: ['/v1/customers/cus_42/bills/2026-11/credit-notes/cn_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e/document.pdf'],
      }),
    }), { description: 'Its stored documents: PDF/A-3b, HTML and UBL 2.1 CreditNote, each with the path that serves it' }),
    issuedAt: Rfc3339('When it was issued'),
    voidedAt: Type.Union([Rfc3339('When it was voided'), Type.Null()]),
  },
  { $id: 'CreditNote', title: 'CreditNote' },
);

export const CreditNotePage = Type.Object({ items: Type.Array(Type.Ref('CreditNote')), nextCursor: NextCursor }, { title: 'CreditNotePage' });

// billing.v1.CreditNoteService: requests are checked here, the rules are @billing/ledger's
// credit-notes module and the transactions credit-notes.ts's.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CreditNoteDocumentSchema, CreditNoteLineSchema, CreditNoteSchema, CreditNoteSettlement, CreditNoteStatus, GetCreditNoteDocumentResponseSchema,
  GetCreditNoteResponseSchema,
  IssueCreditNoteResponseSchema, ListCreditNotesResponseSchema, MoneySchema, VoidCreditNoteResponseSchema,
  type CreditNote, type CreditNoteService,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import type { SellerIdentity } from '@billing/documents';
import { decodeCursor, pageLimit, pageOf, type ErrorMapper } from '@billing/grpc-kit';
import { isCreditNoteRefusal, type CreditNoteRefusalReason, type CreditNoteSettlement as SettlementName } from '@billing/ledger';
import { DEFAULT_UNITS, type UnitRegistry } from '@billing/money';
import { checkFreeText, isCustomerId, CUSTOMER_ID_RULE } from '@billing/text';
import { idempotencyKeyProblems } from '../idempotency-key.ts';
import { FORMAT_NAMES } from '../customers/validation.ts';
import { ledgerRepository } from '../ledger/ledger-repository.ts';
import { creditNoteResource, creditNotes, type StoredCreditNote } from './credit-notes.ts';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const DECIMAL = /^\d{1,30}(\.\d{1,18})?$/;
const MAX_LINES = 500;

const SETTLEMENTS: Readonly<Record<number, SettlementName>> = {
  [CreditNoteSettlement.REFUND]: 'refund', [CreditNoteSettlement.WALLET]: 'wallet', [CreditNoteSettlement.OUT_OF_BAND]: 'outOfBand',
};
const SETTLEMENT_ENUM: Readonly<Record<SettlementName, CreditNoteSettlement>> = {
  refund: CreditNoteSettlement.REFUND, wallet: CreditNoteSettlement.WALLET, outOfBand: CreditNoteSettlement.OUT_OF_BAND,
};

/** The code a caller gets for each reason a credit note is refused; its message is kept. */
export const CREDIT_NOTE_REFUSAL_CODES: Readonly<Record<CreditNoteRefusalReason, Code>> = {
  'unknown-bill': Code.NotFound,
  'unknown-credit-note': Code.NotFound,
  'unknown-item': Code.InvalidArgument,
  'invalid-credit': Code.InvalidArgument,
  'bill-not-closed': Code.FailedPrecondition,
  // Unavailable, as for a payment: a matter of timing that a retry resolves.
  'bill-closing': Code.Unavailable,
  'credit-exceeds-line': Code.FailedPrecondition,
  'credit-exceeds-bill': Code.FailedPrecondition,
  'credit-note-settled': Code.FailedPrecondition,
};

export const creditNoteErrors: ErrorMapper = (error) => {
  if (!isCreditNoteRefusal(error)) return undefined;
  return { code: CREDIT_NOTE_REFUSAL_CODES[error.reason], message: error.message };
};

function invalid(message: string): never {
  throw new ConnectError(message, Code.InvalidArgument);
}

function checkBill(customerId: string, billingPeriod: string): void {
  if (!isCustomerId(customerId)) invalid(`customerId: ${CUSTOMER_ID_RULE}`);
  if (!PERIOD.test(billingPeriod)) invalid('billingPeriod: must be YYYY-MM');
}

function checkKey(key: string): string {
  const problems = idempotencyKeyProblems(key);
  if (problems.length > 0) invalid(`idempotencyKey: ${problems[0]!.message}`);
  // A request without a key is its own: a fresh key, so it is never answered as another.
  return key === '' ? crypto.randomUUID() : key;
}

function creditNoteMessage(note: StoredCreditNote, units: UnitRegistry): CreditNote {
  const resource = creditNoteResource(note, units);
  const money = (value: { amount: string; currency: string }) => create(MoneySchema, value);
  return create(CreditNoteSchema, {
    id: resource.id,
    number: resource.number,
    customerId: resource.customerId,
    billId: resource.billId,
    billingPeriod: resource.billingPeriod,
    invoiceNumber: resource.invoiceNumber,
    status: resource.status === 'VOID' ? CreditNoteStatus.VOID : CreditNoteStatus.ISSUED,
    reason: resource.reason,
    settlement: SETTLEMENT_ENUM[resource.settlement],
    amount: money(resource.amount),
    appliedToAmountDue: money(resource.appliedToAmountDue),
    settled: money(resource.settled),
    lines: resource.lines.map((line) => create(CreditNoteLineSchema, { itemId: line.itemId ?? '', description: line.description, amount: money(line.amount) })),
    entryIds: resource.entryIds,
    ...(resource.voidEntryId === null ? {} : { voidEntryId: resource.voidEntryId }),
    documents: resource.documents.map((doc) => create(CreditNoteDocumentSchema, {
      format: doc.format, contentType: doc.contentType, sha256: doc.sha256, size: BigInt(doc.size),
    })),
    issuedAt: timestampFromDate(note.issued_at),
    ...(note.voided_at === null ? {} : { voidedAt: timestampFromDate(note.voided_at) }),
  });
}

export interface CreditNoteServiceDeps {
  db: Db;
  seller: SellerIdentity;
  units?: UnitRegistry;
  now?: () => Date;
}

export function createCreditNoteService(deps: CreditNoteServiceDeps): ServiceImpl<typeof CreditNoteService> {
  const units = deps.units ?? DEFAULT_UNITS;
  const notes = creditNotes({ db: deps.db, ledger: ledgerRepository(deps.db, units), units, seller: deps.seller, now: deps.now });
  const LIST = 'credit-notes';
  return {
    issueCreditNote: async (request) => {
      checkBill(request.customerId, request.billingPeriod);
      const reason = checkFreeText(request.reason, { maxChars: 500 });
      if (!reason.ok) invalid(`reason: ${reason.message}`);
      if (reason.text.trim() === '') invalid('reason: is required');
      const settlement = SETTLEMENTS[request.settlement];
      if (settlement === undefined) invalid('settlement: one of refund, wallet or outOfBand is required');
      const hasAmount = request.amount !== undefined;
      if (hasAmount === (request.lines.length > 0)) invalid('lines or amount: exactly one of them is required');
      if (request.lines.length > MAX_LINES) invalid(`lines: at most ${MAX_LINES}`);
      const decimal = (value: string, field: string) => (DECIMAL.test(value) ? value : invalid(`${field}: must be a positive decimal string`));
      const credit = request.amount !== undefined
        ? { amount: decimal(request.amount.amount, 'amount.amount') }
        : {
          lines: request.lines.map((line, index) => {
            if (line.itemId === '' || line.itemId.length > 255) invalid(`lines[${index}].itemId: is required`);
            return { itemId: line.itemId, ...(line.amount === undefined ? {} : { amount: decimal(line.amount.amount, `lines[${index}].amount.amount`) }) };
          }),
        };
      // Amounts are in the bill's currency; a currency named with them must be that one.
      const currencies = [request.amount?.currency, ...request.lines.map((line) => line.amount?.currency)].filter((code): code is string => Boolean(code));
      const { note, replayed } = await notes.issue({
        customerId: request.customerId, billingPeriod: request.billingPeriod, reason: reason.text, credit, settlement, currencies,
        key: checkKey(request.idempotencyKey),
      });
      return create(IssueCreditNoteResponseSchema, { creditNote: creditNoteMessage(note, units), replayed });
    },

    voidCreditNote: async (request) => {
      checkBill(request.customerId, request.billingPeriod);
      if (request.creditNoteId === '') invalid('creditNoteId: is required');
      checkKey(request.idempotencyKey);
      const { note, replayed } = await notes.void(request.customerId, request.billingPeriod, request.creditNoteId);
      return create(VoidCreditNoteResponseSchema, { creditNote: creditNoteMessage(note, units), replayed });
    },

    getCreditNote: async (request) => {
      checkBill(request.customerId, request.billingPeriod);
      const note = await notes.get(request.customerId, request.billingPeriod, request.creditNoteId);
      return create(GetCreditNoteResponseSchema, { creditNote: creditNoteMessage(note, units) });
    },

    getCreditNoteDocument: async (request) => {
      checkBill(request.customerId, request.billingPeriod);
      if (request.creditNoteId === '') invalid('creditNoteId: is required');
      const format = FORMAT_NAMES[request.format as keyof typeof FORMAT_NAMES] as 'pdf' | 'html' | 'xml' | undefined;
      if (format === undefined) invalid('format: must be PDF, HTML or XML');
      const document = await notes.document(request.customerId, request.billingPeriod, request.creditNoteId, format);
      return create(GetCreditNoteDocumentResponseSchema, {
        content: document.bytes, contentType: document.contentType, sha256: document.sha256, version: document.version,
        creditNoteNumber: document.creditNoteNumber, invoiceNumber: document.invoiceNumber, billId: document.billId,
      });
    },

    listCreditNotes: async (request) => {
      checkBill(request.customerId, request.billingPeriod);
      const limit = pageLimit(request.limit);
      const after = decodeCursor(LIST, request.cursor, (position) => {
        if (position.length !== 2 || !/^\d{4}$/.test(position[0] ?? '') || !/^\d{1,9}$/.test(position[1] ?? '')) return undefined;
        return { year: Number(position[0]), sequence: Number(position[1]) };
      });
      const page = pageOf(LIST, await notes.list(request.customerId, request.billingPeriod, after, limit + 1), limit,
        (last) => [String(last.year), String(last.sequence)]);
      return create(ListCreditNotesResponseSchema, { creditNotes: page.rows.map((note) => creditNoteMessage(note, units)), nextCursor: page.nextCursor });
    },
  };
}

import { create } from '@bufbuild/protobuf';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreditNoteSettlement, CreditNoteStatus, MoneySchema, type CreditNote } from '@billing/contracts';
import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { creditNoteDocumentPath, enumName, moneyJson, optionalTimeJson, requiredTimestamp, serviceBug, type DocumentFormat } from '@billing/resources';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { FORMAT_VALUES, documentRoutes } from '../document-routes.ts';
import { IdempotencyHeaders, REPLAYED_HEADER } from '../idempotency/header.ts';
import { ledgerKey, postingFailures } from '../ledger-posting.ts';
import { BillKeyParams } from '../schemas/bill.ts';
import { PageQuery } from '../schemas/common.ts';
import { CreditNoteParams, CreditNotePage, IssueCreditNoteBody } from '../schemas/credit-note.ts';
import { SERVICE_FAILURES, errorResponses } from '../schemas/error-responses.ts';

export interface CreditNoteRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const CREDIT_NOTE = { $ref: 'CreditNote' } as const;
const SETTLEMENT_VALUES = { refund: CreditNoteSettlement.REFUND, wallet: CreditNoteSettlement.WALLET, outOfBand: CreditNoteSettlement.OUT_OF_BAND } as const;
const SETTLEMENT_NAMES = { [CreditNoteSettlement.REFUND]: 'refund', [CreditNoteSettlement.WALLET]: 'wallet', [CreditNoteSettlement.OUT_OF_BAND]: 'outOfBand' } as Record<number, string>;

function documentFormat(format: string): DocumentFormat {
  if (format === 'pdf' || format === 'html' || format === 'xml') return format;
  throw serviceBug('a known document format');
}

/** A credit note as this API shows it; the same JSON as its events' data. */
export function creditNoteJson(note: CreditNote | undefined) {
  if (note === undefined) throw serviceBug('a credit note');
  return {
    id: note.id,
    number: note.number,
    customerId: note.customerId,
    billId: note.billId,
    billingPeriod: note.billingPeriod,
    invoiceNumber: note.invoiceNumber,
    status: enumName(CreditNoteStatus, note.status, 'credit note status'),
    reason: note.reason,
    settlement: SETTLEMENT_NAMES[note.settlement] ?? (() => { throw serviceBug('a known settlement'); })(),
    amount: moneyJson(note.amount, 'credit note amount'),
    appliedToAmountDue: moneyJson(note.appliedToAmountDue, 'applied amount'),
    settled: moneyJson(note.settled, 'settled amount'),
    lines: note.lines.map((line) => ({ itemId: line.itemId === '' ? null : line.itemId, description: line.description, amount: moneyJson(line.amount, 'line amount') })),
    entryIds: note.entryIds,
    voidEntryId: note.voidEntryId ?? null,
    documents: note.documents.map((doc) => ({
      format: doc.format, contentType: doc.contentType, sha256: doc.sha256, size: Number(doc.size),
      url: creditNoteDocumentPath(note.customerId, note.billingPeriod, note.id, documentFormat(doc.format)),
    })),
    issuedAt: requiredTimestamp(note.issuedAt, 'issuedAt'),
    voidedAt: optionalTimeJson(note.voidedAt),
  };
}

const VOID_RULE = 'Only a credit note whose settlement gave nothing back (all of it lowered what the bill owed) can be voided';

/** A bill's credit notes over billing.v1.CreditNoteService (docs/invoices.md, "Credit notes"). */
export const creditNoteRoutes: FastifyPluginAsyncTypebox<CreditNoteRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const notes = clients.creditNotes;

  app.post('/v1/customers/:customerId/bills/:billingPeriod/credit-notes', {
    schema: {
      operationId: 'issueCreditNote',
      tags: ['credit notes'],
      summary: 'Credit a closed bill\'s invoice',
      description:
        'Issues a credit note on a CLOSED bill for `lines` (each at most what is left of its item) or an `amount` of the bill as a ' +
        'whole, never more than is left of the bill. It takes the next number of its yearly series (CN-YYYY-NNNNNN), posts a ' +
        'CREDIT_NOTE entry (contra-revenue against the receivable) that lowers `amountDue`, settles what of it was already paid ' +
        'as `settlement` says, and stores its PDF, HTML and UBL documents, all in one transaction. The Idempotency-Key makes a ' +
        'retry answer the first credit note.',
      params: BillKeyParams,
      headers: IdempotencyHeaders,
      body: IssueCreditNoteBody,
      response: {
        201: { ...CREDIT_NOTE, description: 'The credit note' },
        ...postingFailures({
          404: '`not_found`: the customer has no bill for that period',
          409: '`failed_precondition`: the bill is OPEN or FAILED, or the credit is more than is left of a line or of the bill. ' +
            'A bill still CLOSING is answered 503 `unavailable`',
        }, '`invalid_argument`: a field is malformed, both or neither of `lines` and `amount`, an item the bill does not have, ' +
          'or an amount with more decimals than the bill currency'),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const response = await notes.issueCreditNote({
      ...request.params,
      reason: body.reason,
      lines: 'lines' in body
        ? body.lines.map((line) => ({ itemId: line.itemId, ...(line.amount === undefined ? {} : { amount: create(MoneySchema, { amount: line.amount }) }) }))
        : [],
      ...('amount' in body ? { amount: create(MoneySchema, { amount: body.amount }) } : {}),
      settlement: SETTLEMENT_VALUES[body.settlement as keyof typeof SETTLEMENT_VALUES],
      idempotencyKey: ledgerKey(request.headers),
    }, options(request));
    if (response.replayed) reply.header(REPLAYED_HEADER, 'true');
    return reply.code(201).send(creditNoteJson(response.creditNote));
  });

  app.post('/v1/customers/:customerId/bills/:billingPeriod/credit-notes/:creditNoteId/void', {
    schema: {
      operationId: 'voidCreditNote',
      tags: ['credit notes'],
      summary: 'Void a credit note that gave nothing back',
      description:
        `${VOID_RULE}. Voiding posts the exact reversal of its entry (CREDIT_NOTE_VOID): the bill owes that amount again and ` +
        'its lines are creditable again. The number stays used; voiding a void credit note answers it unchanged.',
      params: CreditNoteParams,
      headers: IdempotencyHeaders,
      response: {
        200: { ...CREDIT_NOTE, description: 'The voided credit note' },
        ...postingFailures({
          404: '`not_found`: the bill has no credit note of that id',
          409: `\`failed_precondition\`: its settlement gave something back. ${VOID_RULE}`,
        }, '`invalid_argument`: a malformed path parameter'),
      },
    },
  }, async (request, reply) => {
    const response = await notes.voidCreditNote({ ...request.params, idempotencyKey: ledgerKey(request.headers) }, options(request));
    if (response.replayed) reply.header(REPLAYED_HEADER, 'true');
    return reply.code(200).send(creditNoteJson(response.creditNote));
  });

  app.get('/v1/customers/:customerId/bills/:billingPeriod/credit-notes', {
    schema: {
      operationId: 'listCreditNotes',
      tags: ['credit notes'],
      summary: 'A bill\'s credit notes, in number order',
      params: BillKeyParams,
      querystring: PageQuery,
      response: {
        200: CreditNotePage,
        ...errorResponses({
          400: '`invalid_argument`: a malformed parameter, or a cursor this API did not issue', 404: '`not_found`: the customer has no bill for that period',
          ...SERVICE_FAILURES,
        }),
      },
    },
  }, async (request) => {
    const response = await notes.listCreditNotes({
      ...request.params, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '',
    }, options(request));
    return { items: response.creditNotes.map(creditNoteJson), nextCursor: response.nextCursor || null };
  });

  app.get('/v1/customers/:customerId/bills/:billingPeriod/credit-notes/:creditNoteId', {
    schema: {
      operationId: 'getCreditNote',
      tags: ['credit notes'],
      summary: 'One credit note of a bill',
      params: CreditNoteParams,
      response: {
        200: CREDIT_NOTE,
        ...errorResponses({
          400: '`invalid_argument`: a malformed parameter', 404: '`not_found`: the bill has no credit note of that id', ...SERVICE_FAILURES,
        }),
      },
    },
  }, async (request) => creditNoteJson((await notes.getCreditNote(request.params, options(request))).creditNote));

  documentRoutes(app, {
    path: '/v1/customers/:customerId/bills/:billingPeriod/credit-notes/:creditNoteId/document',
    operationIds: { negotiated: 'getCreditNoteDocument', pdf: 'getCreditNotePdf', html: 'getCreditNoteHtml', xml: 'getCreditNoteXml' },
    tags: ['credit notes'],
    params: CreditNoteParams,
    summary: (format) => (format === 'negotiated'
      ? 'A credit note\'s document as PDF, HTML or UBL XML, by Accept'
      : `A credit note's document as ${format.toUpperCase()}`),
    description: 'The documents are rendered once, in the transaction that issues the credit note, and never change; a voided ' +
      'credit note still has them, since it was issued. The ETag is their SHA-256, and an If-None-Match that names it is answered ' +
      '304 with no body (docs/invoices.md, "Credit notes").',
    holds: {
      pdf: 'PDF/A-3b, fonts embedded, the UBL attached as credit-note.xml',
      html: 'One self-contained, printable HTML page',
      xml: 'UBL 2.1 CreditNote, EN 16931 under Peppol BIS Billing 3.0, referencing the credited invoice',
    },
    errors: {
      400: '`invalid_argument`: a malformed parameter', 404: '`not_found`: the bill has no credit note of that id', ...SERVICE_FAILURES,
    },
    read: async (params, format, request) => {
      const document = await notes.getCreditNoteDocument({ ...params, format: FORMAT_VALUES[format] }, options(request));
      return { content: document.content, contentType: document.contentType, sha256: document.sha256, name: document.creditNoteNumber };
    },
  });
};

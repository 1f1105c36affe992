import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { create } from '@bufbuild/protobuf';
import { MoneySchema, PaymentSource } from '@billing/contracts';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { accountKindValue, directionValue, entryPageJson, trialBalanceJson } from '../ledger-json.ts';
import { ledgerPoster } from '../ledger-poster.ts';
import { POSTING_BAD_INPUT, POSTING_NOTE, ledgerKey, postingFailures, sendEntry } from '../ledger-posting.ts';
import { BillKeyParams } from '../schemas/bill.ts';
import { CustomerParams, PageQuery } from '../schemas/common.ts';
import { SERVICE_FAILURES, errorResponses } from '../schemas/error-responses.ts';
import { AdjustmentBody, EntryPage, PayBillBody, RefundBody, RefundParams, TrialBalance } from '../schemas/ledger.ts';

export interface LedgerRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const ENTRY = { $ref: 'Entry' } as const;

/** Bill payments, refunds, adjustments and the ledger's reports over billing.v1.LedgerService. */
export const ledgerRoutes: FastifyPluginAsyncTypebox<LedgerRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const ledger = clients.ledger;
  const post = ledgerPoster(ledger, callTimeoutMs);

  app.post('/v1/customers/:customerId/bills/:billingPeriod/payments', {
    schema: {
      operationId: 'payBill',
      tags: ['ledger'],
      summary: 'Pay what a closed bill still owes from the customer wallet',
      description:
        'Posts a PAYMENT entry for the bill `amountDue`, in the bill currency: the wallet is debited and the receivable ' +
        'credited, after which the bill shows `amountDue` zero.' + POSTING_NOTE,
      params: BillKeyParams,
      headers: IdempotencyHeaders,
      body: PayBillBody,
      response: {
        201: { ...ENTRY, description: 'The PAYMENT entry' },
        ...postingFailures({
          404: '`not_found`: the customer has no bill for that period',
          409: '`failed_precondition`: the bill is OPEN or FAILED, owes nothing, or the wallet holds less than it owes. ' +
            'A bill still CLOSING is answered 503 `unavailable`: it is payable in a moment, so send the same request again',
        }, '`invalid_argument`: a field is malformed or not allowed; the message and details name it'),
      },
    },
  }, async (request, reply) => {
    const response = await ledger.payBill(
      { ...request.params, source: PaymentSource.WALLET, idempotencyKey: ledgerKey(request.headers) },
      options(request),
    );
    return sendEntry(reply, response);
  });

  app.post('/v1/customers/:customerId/payments/:entryId/refunds', {
    schema: {
      operationId: 'refundPayment',
      tags: ['ledger'],
      summary: 'Give back part or all of a payment',
      description:
        'Posts a REFUND entry that reverses the PAYMENT entry `entryId` (a wallet payment goes back to the wallet), ' +
        'for `amount` in the payment currency or, without it, everything not yet refunded. A payment is never refunded for ' +
        'more than it paid; the bill it paid owes the refunded amount again. The body may be left out.' + POSTING_NOTE,
      params: RefundParams,
      headers: IdempotencyHeaders,
      body: RefundBody,
      response: {
        201: { ...ENTRY, description: 'The REFUND entry' },
        ...postingFailures({
          404: '`not_found`: the customer has no payment with that entry id',
          409: '`failed_precondition`: the amount is more than is left to refund on the payment',
        }, `${POSTING_BAD_INPUT}; also a currency other than the payment's, or a currency without an amount`),
      },
    },
    // No body at all means {}: a full refund needs nothing said.
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {};
    },
  }, async (request, reply) => {
    const { amount, currency } = request.body;
    const response = await ledger.refund({
      customerId: request.params.customerId,
      paymentEntryId: request.params.entryId,
      // Without a currency the amount is in the payment's, which the ledger knows and fills in.
      amount: amount === undefined ? undefined : create(MoneySchema, { amount, currency: currency ?? '' }),
      idempotencyKey: ledgerKey(request.headers),
    }, options(request));
    return sendEntry(reply, response);
  });

  app.post('/v1/ledger/adjustments', {
    schema: {
      operationId: 'createAdjustment',
      tags: ['ledger'],
      summary: 'Correct a customer wallet or receivable',
      description:
        'Posts an ADJUSTMENT entry against the platform revenue account, with `reason` as its reference. A credit raises a ' +
        'wallet (a goodwill credit) or lowers a receivable (a write-off); a debit does the reverse. For the platform operator: ' +
        'entries are never edited, mistakes are corrected by an adjustment.' + POSTING_NOTE,
      headers: IdempotencyHeaders,
      body: AdjustmentBody,
      response: {
        201: { ...ENTRY, description: 'The ADJUSTMENT entry' },
        ...postingFailures({ 409: '`failed_precondition`: a debit of more than the wallet holds' }),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const response = await post({ case: 'adjustment', value: {
      customerId: body.customerId,
      accountKind: accountKindValue(body.account),
      direction: directionValue(body.direction),
      amount: create(MoneySchema, { amount: body.amount, currency: body.currency }),
      reason: body.reason,
      idempotencyKey: ledgerKey(request.headers),
    } }, request);
    return sendEntry(reply, response);
  });

  app.get('/v1/customers/:customerId/entries', {
    schema: {
      operationId: 'listEntries',
      tags: ['ledger'],
      summary: 'A customer ledger entries, newest first',
      description: 'Every entry that touches one of the customer accounts, with all of its postings.',
      params: CustomerParams,
      querystring: PageQuery,
      response: {
        200: EntryPage,
        ...errorResponses({ 400: '`invalid_argument`: a malformed customer id or limit, or a cursor this API did not issue', ...SERVICE_FAILURES }),
      },
    },
  }, async (request) => {
    const response = await ledger.listEntries(
      { customerId: request.params.customerId, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '' },
      options(request),
    );
    return entryPageJson(response);
  });

  app.get('/v1/ledger/trial-balance', {
    schema: {
      operationId: 'getTrialBalance',
      tags: ['ledger'],
      summary: 'Total debits and credits per currency over the whole ledger',
      description: 'For each currency or unit the ledger holds, the sums of all debits and of all credits, in its major units. They are always equal.',
      response: { 200: TrialBalance, ...errorResponses(SERVICE_FAILURES) },
    },
  }, async (request) => trialBalanceJson(await ledger.getTrialBalance({}, options(request))));
};

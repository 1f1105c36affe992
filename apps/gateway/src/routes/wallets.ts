import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { create } from '@bufbuild/protobuf';
import { MoneySchema } from '@billing/contracts';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { accountListJson } from '../ledger-json.ts';
import { ledgerPoster } from '../ledger-poster.ts';
import { POSTING_BAD_INPUT, POSTING_NOTE, ledgerKey, postingFailures, sendEntry } from '../ledger-posting.ts';
import { CustomerParams, PageQuery } from '../schemas/common.ts';
import { SERVICE_FAILURES, errorResponses } from '../schemas/error-responses.ts';
import { AccountList, TransferBody, WalletMovementBody } from '../schemas/ledger.ts';

export interface WalletsRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const ENTRY = { $ref: 'Entry' } as const;
const WALLET = '/v1/customers/:customerId/wallet';
const SHORT = '`failed_precondition`: the wallet holds less than the amount in that currency';

/** A customer's accounts and the wallet movements of the REST API over billing.v1.LedgerService. */
export const walletsRoutes: FastifyPluginAsyncTypebox<WalletsRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const ledger = clients.ledger;
  const post = ledgerPoster(ledger, callTimeoutMs);
  const money = (body: { amount: string; currency: string }) => create(MoneySchema, { amount: body.amount, currency: body.currency });

  app.get('/v1/customers/:customerId/accounts', {
    schema: {
      operationId: 'listAccounts',
      tags: ['ledger'],
      summary: 'A customer ledger accounts with their balances',
      description:
        'One receivable and one wallet per currency the customer has used (accounts are created on first use, so a new ' +
        'customer has none). Balances are in each account normal direction: a wallet holding 100.00 shows `100.00`, a ' +
        'receivable of 12.34 owed by the customer shows `12.34`.',
      params: CustomerParams,
      querystring: PageQuery,
      response: {
        200: AccountList,
        ...errorResponses({ 400: '`invalid_argument`: the customer id, limit or cursor is malformed', ...SERVICE_FAILURES }),
      },
    },
  }, async (request) => {
    const response = await ledger.listAccounts({
      customerId: request.params.customerId, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '',
    }, options(request));
    return accountListJson(response.accounts, response.nextCursor);
  });

  app.post(`${WALLET}/top-ups`, {
    schema: {
      operationId: 'topUpWallet',
      tags: ['ledger'],
      summary: 'Add money to a customer wallet',
      description: 'Posts a TOPUP entry: the platform cash account is debited and the customer wallet credited.' + POSTING_NOTE,
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: WalletMovementBody,
      response: { 201: { ...ENTRY, description: 'The TOPUP entry' }, ...postingFailures() },
    },
  }, async (request, reply) => {
    const response = await post({
      case: 'topUp', value: { customerId: request.params.customerId, amount: money(request.body), idempotencyKey: ledgerKey(request.headers) },
    }, request);
    return sendEntry(reply, response);
  });

  app.post(`${WALLET}/withdrawals`, {
    schema: {
      operationId: 'withdrawFromWallet',
      tags: ['ledger'],
      summary: 'Take money out of a customer wallet',
      description:
        'Posts a WITHDRAWAL entry: the wallet is debited and the platform cash account credited. A wallet never goes below ' +
        'zero: of concurrent withdrawals, exactly those the balance covers succeed.' + POSTING_NOTE,
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: WalletMovementBody,
      response: { 201: { ...ENTRY, description: 'The WITHDRAWAL entry' }, ...postingFailures({ 409: SHORT }) },
    },
  }, async (request, reply) => {
    const response = await post({
      case: 'withdrawal', value: { customerId: request.params.customerId, amount: money(request.body), idempotencyKey: ledgerKey(request.headers) },
    }, request);
    return sendEntry(reply, response);
  });

  app.post('/v1/transfers', {
    schema: {
      operationId: 'createTransfer',
      tags: ['ledger'],
      summary: 'Move money from one customer wallet to another',
      description: 'Posts a TRANSFER entry between the two wallets, in one currency or unit.' + POSTING_NOTE,
      headers: IdempotencyHeaders,
      body: TransferBody,
      response: {
        201: { ...ENTRY, description: 'The TRANSFER entry' },
        ...postingFailures(
          { 409: '`failed_precondition`: the paying wallet holds less than the amount' },
          `${POSTING_BAD_INPUT}; also a transfer from a customer to itself`,
        ),
      },
    },
  }, async (request, reply) => {
    const { fromCustomerId, toCustomerId } = request.body;
    const response = await post({
      case: 'transfer', value: { fromCustomerId, toCustomerId, amount: money(request.body), idempotencyKey: ledgerKey(request.headers) },
    }, request);
    return sendEntry(reply, response);
  });
};

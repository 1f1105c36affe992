import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BillStatus } from '@billing/contracts';
import { billJson } from '@billing/resources';
import { billPageJson, billStatusValue, lineItemPageJson, requiredBill } from '../bill-json.ts';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { IdempotencyHeaders, IDEMPOTENCY_HEADER } from '../idempotency/header.ts';
import {
  AddLineItemBody, BillKeyParams, BillPage, CreateBillBody, ItemIdempotencyKey, LineItemPage, ListBillsQuery,
} from '../schemas/bill.ts';
import { CustomerParams, PageQuery } from '../schemas/common.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';

export interface BillsRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const BILL = { $ref: 'Bill' } as const;
const BAD_INPUT = '`invalid_argument`: a field is malformed or not allowed; the message and details name it';
const NO_BILL = '`not_found`: the customer has no bill for that period';
// Bills are ISO 4217 money; the message says which of the two applies.
const CURRENCY_REFUSED = 'or a currency that is a registered non-fiat unit (BTC, ETH, POINTS) or not accepted on bills by this deployment';
// Bill changes go through the bill workflow, which Temporal may throttle.
const BUSY = { 429: '`resource_exhausted`: too many concurrent changes to this bill; retry shortly' };
// The item key inside the bill is the Idempotency-Key header, so it follows the item key rule.
const ItemHeaders = Type.Object({ [IDEMPOTENCY_HEADER]: Type.Optional(ItemIdempotencyKey) });
const REPLAY_NOTE =
  ' Send an `Idempotency-Key` header to make a retry safe: the same key and request replay the first response ' +
  '(header `idempotent-replayed: true`), another request with that key is a 422, and a retry while the first ' +
  'is still running is a 409 `aborted`.';

/** The bill routes of the REST API over billing.v1.BillService. */
export const billsRoutes: FastifyPluginAsyncTypebox<BillsRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);

  app.post(
    '/v1/customers/:customerId/bills',
    {
      schema: {
        operationId: 'createBill',
        tags: ['bills'],
        summary: 'Open the bill of one customer for one billing period',
        description: 'The period must be the current one or later in the bill time zone. The `Idempotency-Key` is kept ' +
          'with the bill: a retry with it answers the bill (201) even after the gateway has forgotten the key, while a ' +
          'create for the period under another key, or none, is a 409 `already_exists`.' + REPLAY_NOTE,
        params: CustomerParams,
        headers: IdempotencyHeaders,
        body: CreateBillBody,
        response: {
          201: { ...BILL, description: 'The new bill, OPEN and readable at once' },
          ...errorResponses(
            {
              400: `${BAD_INPUT}; also a period that has already ended, a time zone the server does not know, ${CURRENCY_REFUSED}`,
              ...idempotencyFailures('`already_exists`: the period has a bill, created under another Idempotency-Key or none'),
              ...BUSY,
              ...BODY_FAILURES,
              ...SERVICE_FAILURES,
            },
            { 409: RETRY_AFTER },
          ),
        },
      },
    },
    async (request, reply) => {
      const response = await clients.bills.createBill(
        {
          customerId: request.params.customerId, ...request.body, timeZone: request.body.timeZone ?? 'UTC',
          idempotencyKey: request.headers[IDEMPOTENCY_HEADER] ?? '',
        },
        options(request),
      );
      return reply.code(201).send(billJson(requiredBill(response.bill)));
    },
  );

  app.get(
    '/v1/customers/:customerId/bills/:billingPeriod',
    {
      schema: {
        operationId: 'getBill',
        tags: ['bills'],
        summary: 'A bill with all of its items',
        params: BillKeyParams,
        response: { 200: BILL, ...errorResponses({ 400: BAD_INPUT, 404: NO_BILL, ...SERVICE_FAILURES }) },
      },
    },
    async (request) => {
      const response = await clients.bills.getBill(request.params, options(request));
      return billJson(requiredBill(response.bill));
    },
  );

  app.post(
    '/v1/customers/:customerId/bills/:billingPeriod/items',
    {
      schema: {
        operationId: 'addLineItem',
        tags: ['bills'],
        summary: 'Add a line item to an OPEN bill',
        description:
          'Give either `amount`, or `quantity` and `unitPrice` (decimal strings; `quantity × unitPrice` is rounded once, ' +
          'half-even, to the currency minor unit). An item in another currency is converted into the bill currency. ' +
          'The answer is the bill after the add, and its `items` holds only the item just added (list the items for all of them). ' +
          'The `Idempotency-Key` header is also the item idempotency key inside the bill, so a retry never adds the item twice; ' +
          'without the header the gateway generates a key per request, and a retried add can then add the item twice.' +
          REPLAY_NOTE,
        params: BillKeyParams,
        headers: ItemHeaders,
        body: AddLineItemBody,
        response: {
          201: { ...BILL, description: 'The bill after the add; `items` is just the new item' },
          ...errorResponses(
            {
              400: `${BAD_INPUT}; also an amount with more decimals than its currency has, a quantity × unitPrice that ` +
                `rounds to zero, a currency the rates provider publishes no rate for, ${CURRENCY_REFUSED}`,
              404: NO_BILL,
              ...idempotencyFailures('`failed_precondition`: the bill is not OPEN'),
              ...BUSY,
              ...BODY_FAILURES,
              ...SERVICE_FAILURES,
            },
            { 409: RETRY_AFTER },
          ),
        },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers[IDEMPOTENCY_HEADER] ?? `gw_${randomUUID()}`;
      const response = await clients.bills.addLineItem(
        { ...request.params, idempotencyKey, ...request.body, metadata: request.body.metadata ?? {} },
        options(request),
      );
      return reply.code(201).send(billJson(requiredBill(response.bill)));
    },
  );

  app.get(
    '/v1/customers/:customerId/bills/:billingPeriod/items',
    {
      schema: {
        operationId: 'listLineItems',
        tags: ['bills'],
        summary: 'The items of a bill in the order they were added',
        params: BillKeyParams,
        querystring: PageQuery,
        response: { 200: LineItemPage, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, 404: NO_BILL, ...SERVICE_FAILURES }) },
      },
    },
    async (request) => {
      const response = await clients.bills.listLineItems(
        { ...request.params, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '' },
        options(request),
      );
      return lineItemPageJson(response);
    },
  );

  app.post(
    '/v1/customers/:customerId/bills/:billingPeriod/close',
    {
      schema: {
        operationId: 'closeBill',
        tags: ['bills'],
        summary: 'Close a bill now: lock its total and assign its invoice number',
        description:
          '200 with the bill CLOSED; 202 with it CLOSING when invoicing outlasts the wait (fetch it later). ' +
          'Closing a CLOSED bill answers it again with 200 and changes nothing.' + REPLAY_NOTE,
        params: BillKeyParams,
        headers: IdempotencyHeaders,
        response: {
          200: { ...BILL, description: 'The bill, CLOSED (or FAILED with its reason)' },
          202: { ...BILL, description: 'The bill, still CLOSING' },
          ...errorResponses(
            {
              400: BAD_INPUT,
              404: NO_BILL,
              ...idempotencyFailures('`failed_precondition`: the bill stopped being open while it was being closed; get it to see its state'),
              ...BUSY,
              ...BODY_FAILURES,
              ...SERVICE_FAILURES,
            },
            { 409: RETRY_AFTER },
          ),
        },
      },
    },
    async (request, reply) => {
      const response = await clients.bills.closeBill(request.params, options(request));
      const bill = requiredBill(response.bill);
      return reply.code(bill.status === BillStatus.CLOSING ? 202 : 200).send(billJson(bill));
    },
  );

  app.get(
    '/v1/customers/:customerId/bills',
    {
      schema: {
        operationId: 'listBills',
        tags: ['bills'],
        summary: 'A customer bills, newest period first, without their items',
        description: '`from` and `to` are inclusive. The entries have no `items` field: get a bill or list its items for those.',
        params: CustomerParams,
        querystring: ListBillsQuery,
        response: {
          200: BillPage,
          ...errorResponses({ 400: `${BAD_INPUT}; also \`from\` after \`to\`, or a cursor this API did not issue`, ...SERVICE_FAILURES }),
        },
      },
    },
    async (request) => {
      const { status, from, to, limit, cursor } = request.query;
      const response = await clients.bills.listBills(
        {
          customerId: request.params.customerId,
          status: billStatusValue(status),
          from: from ?? '',
          to: to ?? '',
          limit: limit ?? DEFAULT_PAGE_LIMIT,
          cursor: cursor ?? '',
        },
        options(request),
      );
      return billPageJson(response);
    },
  );
};

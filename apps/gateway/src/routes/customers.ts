import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { CustomerLocale } from '@billing/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { LOCALE_VALUES, customerJson, customerPageJson, postalAddressMessage } from '../customer-json.ts';
import { FORMAT_VALUES, documentRoutes } from '../document-routes.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { CustomerParams } from '../schemas/common.ts';
import { CustomerPage, InvoiceParams, ListCustomersQuery, PutCustomerBody, UpdateCustomerBody } from '../schemas/customer.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';

export interface CustomersRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const CUSTOMER = { $ref: 'Customer' } as const;
const BAD_INPUT = '`invalid_argument`: a field is malformed or not allowed; the message and details name it';
const NO_PROFILE = '`not_found`: the customer has no profile';
const REPLAY_NOTE =
  ' Send an `Idempotency-Key` header to make a retry safe: the same key and request replay the first response ' +
  '(header `idempotent-replayed: true`), another request with that key is a 422, and a retry while the first ' +
  'is still running is a 409 `aborted`.';

const NO_DOCUMENT = '`not_found`: the customer has no bill for that period (or it closed before documents were stored)';
const NOT_CLOSED = '`failed_precondition`: the bill is not CLOSED yet; its invoice is issued when it closes';

/** Customers' billing profiles and their invoice documents over billing.v1.CustomerService. */
export const customersRoutes: FastifyPluginAsyncTypebox<CustomersRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const customers = clients.customers;

  app.put('/v1/customers/:customerId', {
    // A PUT replaces the whole profile, so a retry is harmless; the key still replays the first
    // answer (201 rather than 200) and guards a PATCH made in between from being undone by a retry.
    config: { idempotent: true },
    schema: {
      operationId: 'putCustomer',
      tags: ['customers'],
      summary: 'Create or replace a customer\'s billing profile',
      description: 'Stores every field as sent: a field left out is removed. The profile is optional: bills of a customer ' +
        'without one still close, and their invoices name the customer id. Invoices already issued keep what they showed.' + REPLAY_NOTE,
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: PutCustomerBody,
      response: {
        200: { ...CUSTOMER, description: 'The profile, replaced' },
        201: { ...CUSTOMER, description: 'The profile, created' },
        ...errorResponses({
          400: `${BAD_INPUT}; also a time zone the server does not know, or a currency bills do not take here`,
          ...idempotencyFailures(), ...BODY_FAILURES, ...SERVICE_FAILURES,
        }, { 409: RETRY_AFTER }),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const response = await customers.putCustomer({
      customerId: request.params.customerId,
      fields: {
        legalName: body.legalName, email: body.email, taxId: body.taxId, timeZone: body.timeZone, currency: body.currency,
        electronicAddress: body.electronicAddress,
        billingAddress: body.billingAddress === undefined ? undefined : postalAddressMessage(body.billingAddress),
        locale: body.locale === undefined ? CustomerLocale.UNSPECIFIED : LOCALE_VALUES[body.locale],
      },
    }, options(request));
    return reply.code(response.created ? 201 : 200).send(customerJson(response.customer));
  });

  app.get('/v1/customers/:customerId', {
    schema: {
      operationId: 'getCustomer',
      tags: ['customers'],
      summary: 'A customer\'s billing profile',
      params: CustomerParams,
      response: { 200: CUSTOMER, ...errorResponses({ 400: BAD_INPUT, 404: NO_PROFILE, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await customers.getCustomer({ customerId: request.params.customerId }, options(request));
    return customerJson(response.customer);
  });

  app.patch('/v1/customers/:customerId', {
    schema: {
      operationId: 'updateCustomer',
      tags: ['customers'],
      summary: 'Change a customer\'s billing profile',
      description: 'Changes the fields sent and keeps the others; `null` removes an optional field.' + REPLAY_NOTE,
      params: CustomerParams,
      headers: IdempotencyHeaders,
      body: UpdateCustomerBody,
      response: {
        200: CUSTOMER,
        ...errorResponses({
          400: `${BAD_INPUT}; also a time zone the server does not know, or a currency bills do not take here`,
          404: NO_PROFILE, ...idempotencyFailures(), ...BODY_FAILURES, ...SERVICE_FAILURES,
        }, { 409: RETRY_AFTER }),
      },
    },
  }, async (request) => {
    const body = request.body;
    // null removes a field: an empty string says so to the service (a boolean for the address and locale).
    const text = (value: string | null | undefined) => (value === null ? '' : value);
    const response = await customers.updateCustomer({
      customerId: request.params.customerId,
      legalName: body.legalName,
      email: text(body.email), taxId: text(body.taxId), timeZone: text(body.timeZone), currency: text(body.currency),
      electronicAddress: text(body.electronicAddress),
      billingAddress: body.billingAddress === undefined || body.billingAddress === null ? undefined : postalAddressMessage(body.billingAddress),
      removeBillingAddress: body.billingAddress === null,
      locale: body.locale === undefined || body.locale === null ? CustomerLocale.UNSPECIFIED : LOCALE_VALUES[body.locale],
      removeLocale: body.locale === null,
    }, options(request));
    return customerJson(response.customer);
  });

  app.get('/v1/customers', {
    schema: {
      operationId: 'listCustomers',
      tags: ['customers'],
      summary: 'Customers\' billing profiles, oldest first (platform keys only)',
      querystring: ListCustomersQuery,
      response: { 200: CustomerPage, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const page = await customers.listCustomers({ limit: limit ?? DEFAULT_PAGE_LIMIT, cursor: cursor ?? '' }, options(request));
    return customerPageJson(page);
  });

  documentRoutes(app, {
    path: '/v1/customers/:customerId/bills/:billingPeriod/invoice',
    operationIds: { negotiated: 'getInvoice', pdf: 'getInvoicePdf', html: 'getInvoiceHtml', xml: 'getInvoiceXml' },
    tags: ['customers'],
    params: InvoiceParams,
    summary: (format) => (format === 'negotiated'
      ? 'A closed bill\'s invoice as PDF, HTML or UBL XML, by Accept'
      : `A closed bill's invoice as ${format.toUpperCase()}`),
    description: 'The documents are rendered once, in the step that closes the bill, and never change; the ETag is their SHA-256, ' +
      'and an If-None-Match that names it is answered 304 with no body (docs/invoices.md).',
    holds: {
      pdf: 'PDF/A-3b, fonts embedded, the UBL attached as invoice.xml',
      html: 'One self-contained, printable HTML page',
      xml: 'UBL 2.1 Invoice, EN 16931 under Peppol BIS Billing 3.0',
    },
    errors: { 400: BAD_INPUT, 404: NO_DOCUMENT, 409: NOT_CLOSED, ...SERVICE_FAILURES },
    read: async ({ customerId, billingPeriod }, format, request) => {
      const document = await customers.getInvoiceDocument({ customerId, billingPeriod, format: FORMAT_VALUES[format] }, options(request));
      return { content: document.content, contentType: document.contentType, sha256: document.sha256, name: document.invoiceNumber };
    },
  });
};

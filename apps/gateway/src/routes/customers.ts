import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { CustomerLocale, InvoiceDocumentFormat } from '@billing/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Negotiator from 'negotiator';
import { Type } from 'typebox';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { LOCALE_VALUES, customerJson, customerPageJson, postalAddressMessage } from '../customer-json.ts';
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

type Format = 'pdf' | 'html' | 'xml';
const MEDIA_TYPES: Readonly<Record<string, Format>> = { 'application/pdf': 'pdf', 'text/html': 'html', 'application/xml': 'xml' };
const FORMATS: Readonly<Record<Format, InvoiceDocumentFormat>> = {
  pdf: InvoiceDocumentFormat.PDF, html: InvoiceDocumentFormat.HTML, xml: InvoiceDocumentFormat.XML,
};
const BINARY = { type: 'string', format: 'binary' } as const;
const DOCUMENT_CONTENT = {
  pdf: { 'application/pdf': { schema: { ...BINARY, description: 'PDF/A-3b, fonts embedded, the UBL attached as invoice.xml' } } },
  html: { 'text/html': { schema: { type: 'string', description: 'One self-contained, printable HTML page' } } },
  xml: { 'application/xml': { schema: { type: 'string', description: 'UBL 2.1 Invoice, EN 16931 under Peppol BIS Billing 3.0' } } },
} as const;
const DOCUMENT_HEADERS = {
  etag: Type.String({ description: 'The SHA-256 of the bytes, lower-case hex, quoted: send it as If-None-Match to revalidate' }),
  'cache-control': Type.String({ description: '`private, no-cache`: revalidate with If-None-Match before reusing a copy' }),
};
const DocumentHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({
    maxLength: 2_000,
    description: 'ETags of copies the client holds; when one is the document\'s, the answer is 304 with no body',
  })),
});
const NO_DOCUMENT = '`not_found`: the customer has no bill for that period (or it closed before documents were stored)';
const NOT_ACCEPTABLE = '`invalid_argument`: Accept names none of application/pdf, text/html and application/xml';
const NOT_CLOSED = '`failed_precondition`: the bill is not CLOSED yet; its invoice is issued when it closes';

/** Whether If-None-Match names the entity tag `etag` (weak or strong, or `*`). */
function matchesAny(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, '')).some((tag) => tag === '*' || tag === etag);
}

/** Fastify's own kind of error for an Accept the route cannot answer, so it is answered like one (406). */
function notAcceptable(accept: string): Error {
  return Object.assign(new Error(`Not Acceptable: ${accept.slice(0, 200)}; this route answers application/pdf, text/html or application/xml`), {
    statusCode: 406, code: 'FST_ERR_NOT_ACCEPTABLE',
  });
}

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

  const invoiceRoute = (suffix: string, operationId: string, format: Format | 'negotiated') => {
    const negotiated = format === 'negotiated';
    app.get(`/v1/customers/:customerId/bills/:billingPeriod/${suffix}`, {
      schema: {
        operationId,
        tags: ['customers'],
        summary: negotiated
          ? 'A closed bill\'s invoice as PDF, HTML or UBL XML, by Accept'
          : `A closed bill's invoice as ${format.toUpperCase()}`,
        description: (negotiated
          ? 'Answers `application/pdf`, `text/html` or `application/xml` by `Accept` (the PDF when Accept is absent or `*/*`; ' +
            'a 406 when it names none of the three). The same documents are at `invoice.pdf`, `invoice.html` and `invoice.xml`. '
          : '') +
          'The documents are rendered once, in the step that closes the bill, and never change; the ETag is their SHA-256, ' +
          'and an If-None-Match that names it is answered 304 with no body (docs/invoices.md).',
        params: InvoiceParams,
        headers: DocumentHeaders,
        response: {
          200: {
            description: 'The document',
            headers: DOCUMENT_HEADERS,
            content: negotiated ? { ...DOCUMENT_CONTENT.pdf, ...DOCUMENT_CONTENT.html, ...DOCUMENT_CONTENT.xml } : DOCUMENT_CONTENT[format],
          },
          304: { description: 'Not modified: the document is the one whose ETag the request named', headers: DOCUMENT_HEADERS },
          ...errorResponses(negotiated
            ? { 400: BAD_INPUT, 404: NO_DOCUMENT, 406: NOT_ACCEPTABLE, 409: NOT_CLOSED, ...SERVICE_FAILURES }
            : { 400: BAD_INPUT, 404: NO_DOCUMENT, 409: NOT_CLOSED, ...SERVICE_FAILURES }),
        },
      },
    }, async (request, reply) => {
      let chosen: Format;
      if (negotiated) {
        const accept = request.headers.accept;
        const type = accept === undefined ? 'application/pdf' : new Negotiator(request.raw).mediaType(Object.keys(MEDIA_TYPES));
        if (type === undefined) throw notAcceptable(accept ?? '');
        chosen = MEDIA_TYPES[type] as Format;
        reply.header('vary', 'Accept');
      } else {
        chosen = format;
      }
      const { customerId, billingPeriod } = request.params;
      const document = await customers.getInvoiceDocument({ customerId, billingPeriod, format: FORMATS[chosen] }, options(request));
      const etag = `"${document.sha256}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (matchesAny(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply
        .header('content-type', document.contentType)
        .header('content-disposition', `inline; filename="${document.invoiceNumber}.${chosen}"`)
        .send(Buffer.from(document.content));
    });
  };
  invoiceRoute('invoice', 'getInvoice', 'negotiated');
  invoiceRoute('invoice.pdf', 'getInvoicePdf', 'pdf');
  invoiceRoute('invoice.html', 'getInvoiceHtml', 'html');
  invoiceRoute('invoice.xml', 'getInvoiceXml', 'xml');
};

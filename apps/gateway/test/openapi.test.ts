import { Validator } from '@seriousme/openapi-schema-validator';
import { CURRENCY_CODES } from '@billing/money';
import { EVENT_TYPES } from '@billing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await buildTestGateway();
});
afterAll(async () => {
  await gateway.app.close();
});

// Every public route; a route added without a schema or hidden from the document fails here.
const PUBLIC_ROUTES = [
  'POST /v1/metrics', 'GET /v1/metrics', 'GET /v1/metrics/{metricCode}', 'PUT /v1/metrics/{metricCode}/price',
  'PUT /v1/customers/{customerId}/prices/{metricCode}', 'POST /v1/usage-events', 'GET /v1/customers/{customerId}/usage',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/usage',
  'GET /healthz', 'GET /readyz', 'GET /v1/rates', 'GET /v1/rates/{base}/{quote}',
  'POST /v1/customers/{customerId}/bills', 'GET /v1/customers/{customerId}/bills',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}',
  'POST /v1/customers/{customerId}/bills/{billingPeriod}/items', 'GET /v1/customers/{customerId}/bills/{billingPeriod}/items',
  'POST /v1/customers/{customerId}/bills/{billingPeriod}/close',
  'POST /v1/customers/{customerId}/mandates', 'GET /v1/customers/{customerId}/mandates',
  'GET /v1/customers/{customerId}/mandates/{mandateId}', 'PATCH /v1/customers/{customerId}/mandates/{mandateId}',
  'POST /v1/customers/{customerId}/mandates/{mandateId}/pause', 'POST /v1/customers/{customerId}/mandates/{mandateId}/resume',
  'POST /v1/customers/{customerId}/mandates/{mandateId}/cancel',
  'POST /v1/customers/{customerId}/mandates/{mandateId}/collections/{cycle}/approve',
  'GET /v1/customers/{customerId}/mandates/{mandateId}/collections',
  'POST /v1/payment-simulator/outcomes',
  'POST /v1/api-keys', 'GET /v1/api-keys', 'GET /v1/api-keys/{id}', 'DELETE /v1/api-keys/{id}',
  'GET /v1/customers/{customerId}/accounts', 'POST /v1/customers/{customerId}/wallet/top-ups',
  'POST /v1/customers/{customerId}/wallet/withdrawals', 'POST /v1/transfers',
  'POST /v1/customers/{customerId}/bills/{billingPeriod}/payments', 'POST /v1/customers/{customerId}/payments/{entryId}/refunds',
  'POST /v1/ledger/adjustments', 'GET /v1/customers/{customerId}/entries', 'GET /v1/ledger/trial-balance',
  'POST /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes', 'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}',
  'POST /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/void',
  'GET /v1/events', 'GET /v1/events/stream', 'GET /v1/events/{eventId}',
  'POST /v1/webhook-endpoints', 'GET /v1/webhook-endpoints', 'GET /v1/webhook-endpoints/{endpointId}',
  'PATCH /v1/webhook-endpoints/{endpointId}', 'DELETE /v1/webhook-endpoints/{endpointId}',
  'POST /v1/webhook-endpoints/{endpointId}/rotate-secret', 'GET /v1/webhook-endpoints/{endpointId}/deliveries',
  'POST /v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/retry',
  'PUT /v1/customers/{customerId}', 'GET /v1/customers/{customerId}', 'PATCH /v1/customers/{customerId}', 'GET /v1/customers',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/invoice', 'GET /v1/customers/{customerId}/bills/{billingPeriod}/invoice.pdf',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/invoice.html', 'GET /v1/customers/{customerId}/bills/{billingPeriod}/invoice.xml',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/document',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/document.pdf',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/document.html',
  'GET /v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/document.xml',
];

interface Schema {
  type?: string;
  pattern?: string;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  maxProperties?: number;
  description?: string;
  propertyNames?: { pattern: string };
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  properties?: Record<string, Schema>;
}

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, {
    description?: string;
    content?: Record<string, { schema: Record<string, unknown> }>;
    headers?: Record<string, { schema: Record<string, unknown> }>;
    links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
  }>;
}

async function openApiDocument() {
  const response = await gateway.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  return response.json() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every public route and no documentation plumbing', async () => {
    const document = await openApiDocument();
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('documents every status each operation can answer, each error with the shared error body and no catch-all range', async () => {
    const document = await openApiDocument();
    expect(document.components.schemas.ErrorBody).toMatchObject({ required: ['code', 'message', 'details'] });
    const statuses = Object.fromEntries(
      Object.values(document.paths).flatMap((methods) =>
        Object.values(methods).map((operation) => [operation.operationId, Object.keys(operation.responses).sort()]),
      ),
    );
    // Every keyed route: no or a bad key (401), over its rate (429); 403 where a customer key can be refused.
    const service = ['401', '403', '429', '499', '500', '503', '504'];
    const post = ['409', '413', '415', '422'];
    const store = ['401', '403', '429', '500', '503'];
    const sorted = (expected: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(expected).map(([operation, list]) => [operation, [...list].sort()]));
    expect(statuses).toEqual(sorted({
      liveness: ['200', '500'],
      readiness: ['200', '500', '503'],
      listRates: ['200', '400', '401', '429', '499', '500', '503', '504'],
      getRate: ['200', '400', '401', '429', '499', '500', '503', '504'],
      createBill: ['201', '400', ...post, ...service].sort(),
      listBills: ['200', '400', ...service],
      getBill: ['200', '400', '404', ...service],
      addLineItem: ['201', '400', '404', ...post, ...service].sort(),
      listLineItems: ['200', '400', '404', ...service],
      closeBill: ['200', '202', '400', '404', ...post, ...service].sort(),
      createMandate: ['201', '400', '409', '413', '415', '422', ...service].sort(),
      listMandates: ['200', '400', ...service],
      getMandate: ['200', '400', '404', ...service],
      updateMandate: ['200', '400', '404', ...post, ...service].sort(),
      pauseMandate: ['200', '400', '404', ...post, ...service].sort(),
      resumeMandate: ['200', '400', '404', ...post, ...service].sort(),
      cancelMandate: ['200', '400', '404', ...post, ...service].sort(),
      approveCollection: ['200', '400', '404', ...post, ...service].sort(),
      listCollections: ['200', '400', '404', ...service],
      scriptOutcomes: ['200', '400', '409', '413', '415', '422', ...service].sort(),
      createApiKey: ['201', '400', '413', '415', ...store].sort(),
      listApiKeys: ['200', '400', ...store].sort(),
      getApiKey: ['200', '400', '404', ...store].sort(),
      revokeApiKey: ['200', '400', '404', ...store].sort(),
      listAccounts: ['200', '400', ...service],
      topUpWallet: ['201', '400', '409', '413', '415', '422', ...service].sort(),
      withdrawFromWallet: ['201', '400', '409', '413', '415', '422', ...service].sort(),
      createTransfer: ['201', '400', '409', '413', '415', '422', ...service].sort(),
      payBill: ['201', '400', '404', '409', '413', '415', '422', ...service].sort(),
      refundPayment: ['201', '400', '404', '409', '413', '415', '422', ...service].sort(),
      createAdjustment: ['201', '400', '409', '413', '415', '422', ...service].sort(),
      listEntries: ['200', '400', ...service],
      getTrialBalance: ['200', ...service],
      listEvents: ['200', '400', ...service],
      // Any key may ask; another customer's event is a 404 for a customer key, never a 403.
      getEvent: ['200', '400', '404', ...service.filter((status) => status !== '403')],
      streamEvents: ['200', '400', '404', ...service],
      // Creation and rotation answer a secret, so they take no Idempotency-Key (no 409 or 422 of their own).
      createWebhookEndpoint: ['201', '400', '413', '415', ...service].sort(),
      listWebhookEndpoints: ['200', '400', ...service],
      // Any key may ask for one endpoint; another customer's is a 404 for a customer key, never a 403.
      getWebhookEndpoint: ['200', '400', '404', ...service.filter((status) => status !== '403')],
      updateWebhookEndpoint: ['200', '400', '404', ...post, ...service.filter((status) => status !== '403')].sort(),
      deleteWebhookEndpoint: ['204', '400', '404', ...service.filter((status) => status !== '403')],
      rotateWebhookSecret: ['200', '400', '404', '413', '415', ...service.filter((status) => status !== '403')].sort(),
      listWebhookDeliveries: ['200', '400', '404', ...service.filter((status) => status !== '403')],
      retryWebhookDelivery: ['202', '400', '404', ...post, ...service.filter((status) => status !== '403')].sort(),
      // Usage: metrics and prices are platform-only; events are answered one by one, so a customer
      // key's event for another customer is a rejected result, never a 403.
      createMetric: ['200', '201', '400', ...post, ...service].sort(),
      listMetrics: ['200', '400', ...service],
      getMetric: ['200', '400', '404', ...service],
      setMetricPrice: ['200', '400', '404', '413', '415', ...service].sort(),
      setCustomerPrice: ['200', '400', '404', '413', '415', ...service].sort(),
      ingestUsageEvents: ['200', '400', ...post, ...service.filter((status) => status !== '403')].sort(),
      getCustomerUsage: ['200', '400', '404', ...service],
      getBillUsage: ['200', '400', '404', ...service],
      // Credit notes: issuing, voiding and listing are platform calls; a customer key reads its own by id, and its documents.
      issueCreditNote: ['201', '400', '404', ...post, ...service].sort(),
      voidCreditNote: ['200', '400', '404', ...post, ...service].sort(),
      listCreditNotes: ['200', '400', '404', ...service],
      getCreditNote: ['200', '400', '404', ...service],
      // Customers: the list is platform-only; a profile and its documents are a customer key's own.
      putCustomer: ['200', '201', '400', ...post, ...service].sort(),
      getCustomer: ['200', '400', '404', ...service],
      updateCustomer: ['200', '400', '404', ...post, ...service].sort(),
      listCustomers: ['200', '400', ...service],
      // The documents: 304 to a matching If-None-Match, 409 before the bill is CLOSED, 406 when Accept names no form.
      getInvoice: ['200', '304', '400', '404', '406', '409', ...service].sort(),
      getInvoicePdf: ['200', '304', '400', '404', '409', ...service].sort(),
      getInvoiceHtml: ['200', '304', '400', '404', '409', ...service].sort(),
      getInvoiceXml: ['200', '304', '400', '404', '409', ...service].sort(),
      // A credit note's documents, as the invoice's; no 409, since a credit note only exists on a CLOSED bill.
      getCreditNoteDocument: ['200', '304', '400', '404', '406', ...service].sort(),
      getCreditNotePdf: ['200', '304', '400', '404', ...service].sort(),
      getCreditNoteHtml: ['200', '304', '400', '404', ...service].sort(),
      getCreditNoteXml: ['200', '304', '400', '404', ...service].sort(),
    }));
    for (const methods of Object.values(document.paths)) {
      for (const operation of Object.values(methods)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400 || (operation.operationId === 'readiness' && status === '503')) continue;
          expect(response.content?.['application/json']?.schema, `${operation.operationId} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorBody' });
        }
      }
    }
  });

  it('documents Retry-After on the 409 a retry of a running idempotent request gets', async () => {
    const document = await openApiDocument();
    const mandate = '/v1/customers/{customerId}/mandates/{mandateId}';
    for (const [path, method] of [
      ['/v1/customers/{customerId}/bills', 'post'], ['/v1/customers/{customerId}/bills/{billingPeriod}/items', 'post'],
      ['/v1/customers/{customerId}/bills/{billingPeriod}/close', 'post'], ['/v1/customers/{customerId}/mandates', 'post'],
      [mandate, 'patch'], [`${mandate}/pause`, 'post'], [`${mandate}/resume`, 'post'], [`${mandate}/cancel`, 'post'],
      [`${mandate}/collections/{cycle}/approve`, 'post'], ['/v1/payment-simulator/outcomes', 'post'],
      ['/v1/customers/{customerId}/wallet/top-ups', 'post'], ['/v1/customers/{customerId}/wallet/withdrawals', 'post'],
      ['/v1/transfers', 'post'], ['/v1/customers/{customerId}/bills/{billingPeriod}/payments', 'post'],
      ['/v1/customers/{customerId}/payments/{entryId}/refunds', 'post'], ['/v1/ledger/adjustments', 'post'],
    ] as const) {
      const conflict = document.paths[path]?.[method]?.responses['409'];
      expect(conflict?.headers?.['retry-after']?.schema, path).toMatchObject({ type: 'string', pattern: '^[0-9]+$' });
      expect(conflict?.description, path).toContain('`aborted`');
    }
  });

  it('documents Retry-After on every error 503 and 429 it lists (the readiness probe\'s 503 is a probe result)', async () => {
    const document = await openApiDocument();
    let seen = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      if (path === '/readyz') continue;
      for (const operation of Object.values(item ?? {})) {
        for (const status of ['503', '429']) {
          const response = (operation as { responses?: Record<string, { headers?: Record<string, { schema?: unknown }> }> }).responses?.[status];
          if (response === undefined) continue;
          seen += 1;
          expect(response.headers?.['retry-after']?.schema, `${path} ${status}`).toMatchObject({ type: 'string', pattern: '^[0-9]+$' });
        }
      }
    }
    expect(seen).toBeGreaterThan(5);
  });

  it('marks the body of a pause, a refund and a secret rotation optional, as those routes accept none, and every other body required', async () => {
    const document = await openApiDocument();
    const bodies = Object.values(document.paths).flatMap((item) => Object.values(item ?? {}))
      .map((operation) => operation as { operationId?: string; requestBody?: { required?: boolean; content?: Record<string, { schema?: object }> } })
      .filter((operation) => operation.requestBody !== undefined);
    const optional = ['pauseMandate', 'refundPayment', 'rotateWebhookSecret'];
    for (const id of optional) expect(bodies.find((operation) => operation.operationId === id)?.requestBody?.required, id).toBe(false);
    expect(bodies.filter((operation) => !optional.includes(operation.operationId ?? '')).every((operation) => operation.requestBody?.required === true)).toBe(true);
    expect(JSON.stringify(document)).not.toContain('x-optional-body');
  });

  it('documents the currency parameters with their pattern and `at` as a date-time', async () => {
    const document = await openApiDocument();
    const getRate = document.paths['/v1/rates/{base}/{quote}']?.get;
    const parameter = (name: string) => getRate?.parameters?.find((candidate) => candidate.name === name);
    expect(parameter('base')).toMatchObject({ in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z][A-Z0-9]{1,11}$' } });
    expect(parameter('quote')).toMatchObject({ in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z][A-Z0-9]{1,11}$' } });
    expect(parameter('at')).toMatchObject({ in: 'query', schema: { format: 'date-time' } });
    expect(parameter('at')?.required).not.toBe(true);
  });

  it('documents the Idempotency-Key header on every POST and PATCH but those whose answer holds a secret, and on the customer PUT', async () => {
    const document = await openApiDocument();
    const secretAnswers = ['createApiKey', 'createWebhookEndpoint', 'rotateWebhookSecret'];
    const all = Object.values(document.paths).flatMap((methods) => [methods.post, methods.patch].filter((operation) => operation !== undefined));
    const posts = [...all.filter((operation) => !secretAnswers.includes(operation.operationId ?? '')), document.paths['/v1/customers/{customerId}']?.put]
      .filter((operation) => operation !== undefined);
    expect(posts).toHaveLength(24);
    for (const operation of all.filter((candidate) => secretAnswers.includes(candidate.operationId ?? ''))) {
      expect(operation.parameters?.find((parameter) => parameter.name === 'idempotency-key'), operation.operationId).toBeUndefined();
    }
    for (const operation of posts) {
      expect(operation.parameters?.find((parameter) => parameter.name === 'idempotency-key')).toMatchObject({ in: 'header' });
    }
  });

  it('declares the bearer scheme, needs it on every operation but the public four, and documents the rate-limit headers', async () => {
    const document = await openApiDocument() as unknown as {
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, Operation & { security?: unknown[] }>>;
    };
    expect(document.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    const open = ['/healthz', '/readyz'];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.security, `${method} ${path}`).toEqual(open.includes(path) ? [] : [{ apiKey: [] }]);
        if (open.includes(path)) continue;
        expect(operation.responses['401']?.headers?.['www-authenticate'], `${method} ${path}`).toBeDefined();
        expect(Object.keys(operation.responses['429']?.headers ?? {}).sort(), `${method} ${path}`)
          .toEqual(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after']);
      }
    }
  });

  it('describes bills with their money as strings', async () => {
    const document = await openApiDocument();
    expect(document.components.schemas.Money).toMatchObject({
      properties: { amount: { type: 'string' }, currency: { type: 'string', enum: CURRENCY_CODES } },
    });
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Bill', 'BillSummary', 'LineItem', 'Mandate', 'Collection']));
    expect((document.components.schemas.Bill as { required?: string[] }).required).toContain('amountDue');
  });

  it('describes ledger money with a currency that admits registered units, and every ledger body with an example', async () => {
    const document = await openApiDocument();
    expect(document.components.schemas.LedgerMoney).toMatchObject({
      properties: { amount: { type: 'string' }, currency: { type: 'string', pattern: '^[A-Z][A-Z0-9]{1,11}$' } },
    });
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['Account', 'Entry']));
    const ledger = Object.values(document.paths).flatMap((methods) => Object.values(methods))
      .filter((operation) => (operation as { tags?: string[] }).tags?.includes('ledger'));
    expect(ledger).toHaveLength(9);
    // @fastify/swagger moves a body schema's examples onto its media type.
    for (const operation of ledger.filter((candidate) => candidate.requestBody !== undefined)) {
      const media = operation.requestBody?.content['application/json'] as { example?: unknown; examples?: object } | undefined;
      expect(media?.example ?? media?.examples, operation.operationId).toBeDefined();
    }
  });
});

describe('the event contract', () => {
  it('types each event by its `type`: a oneOf of one schema per type, each with its type constant, picked by a discriminator', async () => {
    const document = await openApiDocument();
    const schemas = document.components.schemas as Record<string, {
      oneOf?: { $ref: string }[];
      discriminator?: { propertyName: string; mapping: Record<string, string> };
      properties?: Record<string, { const?: string; $ref?: string }>;
      required?: string[];
    }>;
    const event = schemas.Event;
    expect(event?.discriminator?.propertyName).toBe('type');
    const mapping = event?.discriminator?.mapping ?? {};
    expect(Object.keys(mapping).sort()).toEqual([...EVENT_TYPES].sort());
    expect(event?.oneOf?.map((branch) => branch.$ref).sort()).toEqual(Object.values(mapping).sort());
    for (const [type, ref] of Object.entries(mapping)) {
      const branch = schemas[ref.replace('#/components/schemas/', '')];
      expect(branch?.properties?.type?.const, type).toBe(type);
      expect(branch?.required, type).toEqual(['id', 'type', 'customerId', 'createdAt', 'data']);
      expect(branch?.properties?.data?.$ref, type).toMatch(/^#\/components\/schemas\/\w+$/);
    }
    expect(schemas.BillClosedEvent?.properties?.data?.$ref).toBe('#/components/schemas/BillSummary');
    expect(schemas.MandateCollectionFailedEvent?.properties?.data?.$ref).toBe('#/components/schemas/MandateCollection');
  });

  it('declares the event stream as text/event-stream whose messages carry an Event', async () => {
    const document = await openApiDocument();
    const ok = document.paths['/v1/events/stream']?.get?.responses['200'];
    expect(Object.keys(ok?.content ?? {})).toEqual(['text/event-stream']);
    expect(ok?.content?.['text/event-stream']?.schema).toMatchObject({ $ref: '#/components/schemas/Event' });
  });

  it('gives every list one page shape: items and a nextCursor that is a string or null, taking limit and cursor', async () => {
    const document = await openApiDocument();
    const lists = Object.values(document.paths).flatMap((methods) => Object.values(methods))
      .filter((operation) => {
        const schema = operation.responses['200']?.content?.['application/json']?.schema as { properties?: Record<string, unknown> } | undefined;
        // Reports with items (the trial balance, a customer's usage) are read whole, as `get…`.
        return schema?.properties?.items !== undefined && operation.operationId?.startsWith('list') === true;
      });
    expect(lists.length).toBeGreaterThanOrEqual(10);
    for (const operation of lists) {
      expect((operation.parameters ?? []).map((parameter) => parameter.name), operation.operationId).toEqual(expect.arrayContaining(['limit', 'cursor']));
      const page = operation.responses['200']?.content?.['application/json']?.schema as { required?: string[]; properties?: Record<string, unknown> };
      expect(page.required, operation.operationId).toEqual(['items', 'nextCursor']);
      expect(page.properties?.nextCursor, operation.operationId).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    }
  });
});

describe('GET /docs', () => {
  it('answers an HTML page whose scripts and styles are all served by the gateway itself', async () => {
    const page = await gateway.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      // No CDN: every asset is a path on this server, and it loads.
      expect(asset).toMatch(/^\/docs\//);
      const loaded = await gateway.app.inject({ method: 'GET', url: asset });
      expect(loaded.statusCode, asset).toBe(200);
    }
  });

  it('points Swagger UI at /openapi.json and keeps the key a user pastes into Authorize', async () => {
    const initializer = await gateway.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js', headers: { authorization: undefined } });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).toContain('/openapi.json');
    expect(initializer.body).toContain('"persistAuthorization":true');
  });
});

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { BEARER_SCHEME } from './access/openapi-security.ts';

// A created bill leads to the operations on it: each takes its customerId and billingPeriod from
// the 201 body. OpenAPI links, so clients and tools can follow them without building URLs.
const BILL_KEY = { customerId: '$response.body#/customerId', billingPeriod: '$response.body#/billingPeriod' };
// A created mandate likewise leads to the operations on it, by its customerId and id.
const MANDATE_KEY = { customerId: '$response.body#/customerId', mandateId: '$response.body#/id' };
const RESPONSE_LINKS: Record<string, Record<string, Record<string, { operationId: string; description: string; parameters: Record<string, string> }>>> = {
  createBill: {
    '201': {
      getBill: { operationId: 'getBill', description: 'The bill just created', parameters: BILL_KEY },
      listLineItems: { operationId: 'listLineItems', description: 'Its items, in the order added', parameters: BILL_KEY },
      addLineItem: { operationId: 'addLineItem', description: 'Add an item to it', parameters: BILL_KEY },
      closeBill: { operationId: 'closeBill', description: 'Close it into an invoice', parameters: BILL_KEY },
    },
  },
  createMandate: {
    '201': {
      getMandate: { operationId: 'getMandate', description: 'The mandate just created', parameters: MANDATE_KEY },
      updateMandate: { operationId: 'updateMandate', description: 'Change its terms', parameters: MANDATE_KEY },
      pauseMandate: { operationId: 'pauseMandate', description: 'Pause it', parameters: MANDATE_KEY },
      cancelMandate: { operationId: 'cancelMandate', description: 'Cancel it', parameters: MANDATE_KEY },
      listCollections: { operationId: 'listCollections', description: 'Its collections', parameters: MANDATE_KEY },
    },
  },
};

interface Operation {
  operationId?: string;
  responses?: Record<string, Record<string, unknown>>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
}

/**
 * Marks a body schema as one the client may leave out (the route then treats no body as `{}`).
 * @fastify/swagger always writes `requestBody.required: true`; the document is corrected below.
 */
export const OPTIONAL_BODY = 'x-optional-body';

function withOptionalBodies(operation: Operation): void {
  const schemas = Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema);
  if (!schemas.some((schema) => schema?.[OPTIONAL_BODY] === true)) return;
  for (const schema of schemas) delete schema?.[OPTIONAL_BODY];
  if (operation.requestBody) operation.requestBody.required = false;
}

function withLinks<T extends { paths?: Record<string, Record<string, Operation> | undefined> }>(document: T): T {
  for (const methods of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(methods ?? {})) {
      withOptionalBodies(operation);
      const links = operation.operationId === undefined ? undefined : RESPONSE_LINKS[operation.operationId];
      for (const [status, byName] of Object.entries(links ?? {})) {
        const response = operation.responses?.[status];
        if (response) response.links = byName;
      }
    }
  }
  return document;
}

/**
 * The OpenAPI 3.1 document is generated from the schemas every route declares, so it cannot
 * drift from what the gateway validates and sends. `/docs` renders it with Swagger UI, whose
 * assets are served from the package (no CDN). Register before the routes it should list.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Billing platform',
        version: '1.0.0',
        description:
          'Public REST API of the billing platform. Amounts and rates are decimal strings, times RFC 3339 in UTC. ' +
          'Every error is `{"code", "message", "details"}` with a Connect code name; send `x-request-id` to trace a request.\n\n' +
          '**Idempotency.** Every POST and PATCH, and `PUT /v1/customers/{customerId}`, accepts an `Idempotency-Key` header (1–255 printable ASCII characters), per the ' +
          'IETF httpapi idempotency-key draft. The first response to a key (status, content type and body, byte for byte) is ' +
          'replayed, with the header `idempotent-replayed: true`, to every later request with that key and the same method, ' +
          'path and body, for 24 hours (`IDEMPOTENCY_TTL`). The same key with a different request is a 422 `invalid_argument`; ' +
          'the same key while the first request is still running is a 409 `aborted` with `Retry-After: 1`. Only a response whose ' +
          'effect is known is recorded: a 2xx, or a 404 `not_found`, 409 `already_exists` or 409 `failed_precondition`. After ' +
          'any other (400, 409 `aborted`, 429, 499 or any 5xx) nothing is kept and a retry with the key runs again, which is ' +
          'safe because every write behind the gateway is idempotent by the same key. Idempotency keys belong to the API key ' +
          'that sent them: two API keys using the same Idempotency-Key never see each other\'s responses.\n\n' +
          '**Authentication.** Every route but `/healthz`, `/readyz`, `/openapi.json` and `/docs` needs `Authorization: Bearer <key>`. ' +
          'A platform key may do everything; a customer key may use only the routes under `/v1/customers/{its customerId}` and ' +
          'the rates routes. No, an unknown or a revoked key: 401 `unauthenticated`; a customer key outside its customer: 403 ' +
          '`permission_denied`. Each key has a rate limit (a token bucket, `rateLimitPerMinute`); every answer to a keyed request ' +
          'carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`, and past the limit it is a 429 ' +
          '`resource_exhausted` with `Retry-After`.',
      },
      components: {
        securitySchemes: {
          [BEARER_SCHEME]: { type: 'http', scheme: 'bearer', description: 'An API key, e.g. bsk_…; from POST /v1/api-keys or BILLING_ADMIN_API_KEY' },
        },
      },
      tags: [
        { name: 'bills', description: 'Monthly bills: open, add line items, close into an invoice' },
        { name: 'mandates', description: 'Recurring payment mandates: collect a fixed amount on a schedule' },
        { name: 'ledger', description: 'Wallets, bill payments, refunds and the double-entry ledger behind them' },
        { name: 'payment simulator', description: 'Steer the built-in payment simulator that collects mandates' },
        { name: 'customers', description: 'Customers\' billing profiles, and the invoice documents of their closed bills' },
        { name: 'usage', description: 'Usage-based billing: billable metrics, their prices, usage events and usage so far' },
        { name: 'rates', description: 'Exchange rates' },
        { name: 'api keys', description: 'Platform and customer API keys (platform keys only)' },
        { name: 'health', description: 'Liveness and readiness probes' },
      ],
    },
    // OpenAPI 3.1 is JSON Schema: a literal stays a `const` (an event's `type`, which a
    // discriminator and a generated client read), not a one-value `enum` as OpenAPI 3.0 needed.
    convertConstToEnum: false,
    transformObject: (document) =>
      'openapiObject' in document ? withLinks(document.openapiObject as Parameters<typeof withLinks>[0]) : document.swaggerObject,
    // Shared schemas added with an $id appear under components.schemas by that name.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`),
    },
  });
  // "Authorize" takes a key and sends it with every "Try it out" call; it is kept in the browser only.
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/openapi.json', persistAuthorization: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

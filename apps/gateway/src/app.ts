import { fastifySSE as fastifySse } from '@fastify/sse';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '@billing/db';
import { REQUEST_ID_HEADER, type Logger } from '@billing/runtime';
import { installAuthentication } from './access/authentication.ts';
import { apiKeyStore } from './access/key-store.ts';
import { documentAccess } from './access/openapi-security.ts';
import { installRateLimit, tokenBuckets } from './access/rate-limit.ts';
import { createServiceClients, type ServiceTransports } from './clients.ts';
import { CALL_TIMEOUT_MS, READINESS_TIMEOUT_MS } from './deadlines.ts';
import { installErrorHandling } from './errors.ts';
import { installHttpMetrics } from './http-metrics.ts';
import { installMethodNotAllowed } from './method-not-allowed.ts';
import { registerOpenApi } from './openapi.ts';
import { requestIdFor } from './request-id.ts';
import { cachedSerializerFactory } from './serialization.ts';
import { validatorCompiler } from './validation.ts';
import { installIdempotency } from './idempotency/plugin.ts';
import { idempotencyStore } from './idempotency/store.ts';
import { apiKeysRoutes } from './routes/api-keys.ts';
import { billsRoutes } from './routes/bills.ts';
import { customersRoutes } from './routes/customers.ts';
import { eventsRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { creditNoteRoutes } from './routes/credit-notes.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { mandatesRoutes } from './routes/mandates.ts';
import { paymentSimulatorRoutes } from './routes/payment-simulator.ts';
import { ratesRoutes } from './routes/rates.ts';
import { ApiKey } from './schemas/api-key.ts';
import { usageRoutes } from './routes/usage.ts';
import { walletsRoutes } from './routes/wallets.ts';
import { webhooksRoutes } from './routes/webhooks.ts';
import { Bill, BillSummary, LineItem } from './schemas/bill.ts';
import { Money } from './schemas/common.ts';
import { Customer, InvoiceFinalized } from './schemas/customer.ts';
import { Event, EVENT_SCHEMAS, LineItemAdded, MandateCollection, MandateReminder } from './schemas/event.ts';
import { Account, Entry, LedgerMoney } from './schemas/ledger.ts';
import { CreditNote } from './schemas/credit-note.ts';
import { Collection, Mandate } from './schemas/mandate.ts';
import { Metric, Price } from './schemas/usage.ts';
import { WebhookDelivery, WebhookEndpoint } from './schemas/webhook.ts';

export interface GatewayDeps {
  /** How to reach each service: gRPC over HTTP/2 in production, in-memory routers in tests. */
  transports: ServiceTransports;
  logger: Logger;
  /** Deadline of each service call made for a client request (default: deadlines.ts). */
  callTimeoutMs?: number;
  /** Deadline of each readiness probe (default: deadlines.ts). */
  readinessTimeoutMs?: number;
  /**
   * Idempotency-Key records in PostgreSQL (migrated). Production always passes it; without it the
   * header is validated but not honoured, which only tests of other concerns rely on.
   */
  idempotency?: {
    db: Db;
    /** How long a first response is replayed (IDEMPOTENCY_TTL). */
    ttlMs: number;
    /** How long a claim guards a running request before another may take it over; default call deadline + 30 s. */
    leaseMs?: number;
    sweepEveryMs?: number;
  };
  /** Event streams: tests shorten the heartbeat (default 15 s) and the longest a stream stays open (default 1 h). */
  events?: { heartbeatMs?: number; streamMaxMs?: number };
  /** Who may call: API keys (PostgreSQL, migrated) and the admin key. Every route but the public ones needs a key. */
  access: {
    /** Issued keys and rate-limit buckets; without it only `adminApiKey` is accepted and nothing is rate-limited. */
    db?: Db;
    /** `BILLING_ADMIN_API_KEY`: a platform key. */
    adminApiKey?: string;
    defaultRateLimitPerMinute: number;
    /** How long a valid key is trusted without a database read (API_KEY_CACHE_TTL). */
    keyCacheMs?: number;
    /**
     * The URL of `db`, to LISTEN for changed (revoked) keys on: every replica drops a changed key
     * from its cache at once. Without it a cached key is trusted for `keyCacheMs` regardless.
     */
    databaseUrl?: string;
    /** Each rate-limit lease takes the tokens a key's bucket refills in this long (default 100 ms). */
    rateLimitLeaseMs?: number;
  };
}

/** The REST gateway, ready to `inject` or `listen`; it does not listen by itself. */
export async function buildGateway(deps: GatewayDeps) {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    // The id comes from our own genReqId, which validates the caller's header first
    // (Fastify's requestIdHeader would adopt any value as is).
    requestIdHeader: false,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // The gateway serves exactly the operations its OpenAPI document lists; HEAD is not one of
    // them, so it is a 405 like any other method a path does not serve.
    exposeHeadRoutes: false,
    schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  installHttpMetrics(app);
  installErrorHandling(app);
  // Before 405 handling and the routes: every request but a public one shows a key first.
  const keys = deps.access.db && apiKeyStore(deps.access.db);
  await installAuthentication(app, {
    adminApiKey: deps.access.adminApiKey,
    keys,
    defaultRateLimitPerMinute: deps.access.defaultRateLimitPerMinute,
    cacheMs: deps.access.keyCacheMs,
    keyChanges: deps.access.databaseUrl === undefined ? undefined : { url: deps.access.databaseUrl, logger: deps.logger },
  });
  if (deps.access.db) await installRateLimit(app, tokenBuckets(deps.access.db), { leaseMs: deps.access.rateLimitLeaseMs });
  installMethodNotAllowed(app);
  for (const schema of [
    Money, LineItem, Bill, BillSummary, Collection, Mandate, ApiKey, LedgerMoney, Account, Entry, CreditNote,
    LineItemAdded, MandateCollection, MandateReminder, ...EVENT_SCHEMAS, Event, WebhookEndpoint, WebhookDelivery, Metric, Price,
    Customer, InvoiceFinalized,
  ]) {
    app.addSchema(schema);
  }
  documentAccess(app);
  await registerOpenApi(app);

  const callTimeoutMs = deps.callTimeoutMs ?? CALL_TIMEOUT_MS;
  const store = deps.idempotency && idempotencyStore(deps.idempotency.db, {
    ttlMs: deps.idempotency.ttlMs,
    // Longer than any request can run, so only a crashed gateway's claim is ever taken over.
    leaseMs: deps.idempotency.leaseMs ?? callTimeoutMs + 30_000,
  });
  if (store) installIdempotency(app, { store, sweepEveryMs: deps.idempotency?.sweepEveryMs });

  const clients = createServiceClients(deps.transports);
  await app.register(healthRoutes, { clients, checkTimeoutMs: deps.readinessTimeoutMs ?? READINESS_TIMEOUT_MS, pingDatabase: store?.ping });
  await app.register(ratesRoutes, { clients, callTimeoutMs });
  await app.register(billsRoutes, { clients, callTimeoutMs });
  await app.register(mandatesRoutes, { clients, callTimeoutMs });
  await app.register(paymentSimulatorRoutes, { clients, callTimeoutMs });
  await app.register(apiKeysRoutes, { keys, defaultRateLimitPerMinute: deps.access.defaultRateLimitPerMinute });
  await app.register(walletsRoutes, { clients, callTimeoutMs });
  await app.register(ledgerRoutes, { clients, callTimeoutMs });
  await app.register(creditNoteRoutes, { clients, callTimeoutMs });
  await app.register(fastifySse, { heartbeatInterval: deps.events?.heartbeatMs ?? 15_000 });
  await app.register(eventsRoutes, { clients, callTimeoutMs, streamMaxMs: deps.events?.streamMaxMs ?? 60 * 60_000 });
  await app.register(webhooksRoutes, { clients, callTimeoutMs });
  await app.register(usageRoutes, { clients, callTimeoutMs });
  await app.register(customersRoutes, { clients, callTimeoutMs });
  return app;
}

export type Gateway = Awaited<ReturnType<typeof buildGateway>>;

// A gateway with real API keys: issued keys, rate-limit buckets and idempotency records in an
// embedded PostgreSQL, over in-memory services that count every call they get. Webhook endpoints
// are bill-service's own WebhookService on that same database, with private URLs refused as by
// default.
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { DescService } from '@bufbuild/protobuf';
import { createDb, migrateLatest, type Db } from '@billing/db';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createWebhookService, deliveriesRepository, endpointsRepository } from '@billing/bill-service';
import { fakeBillService } from './fake-bills.ts';
import { fakeLedgerService } from './fake-ledger.ts';
import { fakeMandateService } from './fake-mandates.ts';
import { ADMIN_AUTHORIZATION, buildTestGateway } from './in-memory-services.ts';

export interface KeyedDatabase {
  db: Db;
  url: string;
  close(): Promise<void>;
}

export async function keyedDatabase(): Promise<KeyedDatabase> {
  const postgres: PostgresHandle = await startPostgres({ temporary: true });
  await migrateLatest(postgres.url);
  const db = createDb({ url: postgres.url, poolMax: 5 });
  return {
    db,
    url: postgres.url,
    async close() {
      await db.destroy();
      await postgres.stop();
    },
  };
}

/** Counts every call to a service implementation, whatever the method. */
export function counted<S extends DescService>(impl: Partial<ServiceImpl<S>>, calls: { count: number }): Partial<ServiceImpl<S>> {
  return new Proxy(impl, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.count += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface KeyedGatewayOptions {
  keyCacheMs?: number;
  /** The database's URL: the gateway then hears of changed keys at once (LISTEN). */
  databaseUrl?: string;
  /** Each rate-limit lease takes the tokens a bucket refills in this long. */
  rateLimitLeaseMs?: number;
  defaultRateLimitPerMinute?: number;
  /** Sees the context (metadata) of every rates call. */
  onRatesCall?: (context: HandlerContext) => void;
}

export async function keyedGateway(db: Db, options: KeyedGatewayOptions = {}): Promise<KeyedGateway> {
  const calls = { count: 0 };
  const bills = fakeBillService();
  const gateway = await buildTestGateway({
    bills: counted(bills.service, calls),
    mandates: counted(fakeMandateService().service, calls),
    paymentSimulator: counted({ scriptOutcomes: async (request) => ({ queued: request.outcomes.length }) }, calls),
    ledger: counted(fakeLedgerService().service, calls),
    webhooks: counted(createWebhookService({
      endpoints: endpointsRepository(db), deliveries: deliveriesRepository(db), addressPolicy: { allowPrivate: false },
    }), calls),
    onRatesCall: (context) => {
      calls.count += 1;
      options.onRatesCall?.(context);
    },
    deps: {
      idempotency: { db, ttlMs: 60_000 },
      access: {
        db, adminApiKey: ADMIN_AUTHORIZATION.slice('Bearer '.length),
        defaultRateLimitPerMinute: options.defaultRateLimitPerMinute ?? 100_000, keyCacheMs: options.keyCacheMs ?? 0,
        databaseUrl: options.databaseUrl, rateLimitLeaseMs: options.rateLimitLeaseMs,
      },
    },
  });
  const { app } = gateway;

  /** Makes a key with the admin key; the secret and its id. */
  async function issueKey(body: { name?: string; customerId?: string; rateLimitPerMinute?: number } = {}) {
    const response = await app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'test key', ...body } });
    if (response.statusCode !== 201) throw new Error(`could not make a key: ${response.statusCode} ${response.body}`);
    const created = response.json() as { id: string; key: string };
    return { id: created.id, key: created.key, authorization: `Bearer ${created.key}` };
  }

  return { ...gateway, calls, bills, issueKey };
}

export interface KeyedGateway extends Awaited<ReturnType<typeof buildTestGateway>> {
  /** Every call any service got. */
  calls: { count: number };
  bills: { calls: { createBill: number; addLineItem: number; closeBill: number } };
  issueKey(body?: { name?: string; customerId?: string; rateLimitPerMinute?: number }): Promise<{ id: string; key: string; authorization: string }>;
}

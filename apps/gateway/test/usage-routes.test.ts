import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, startBillService } from '@billing/bill-service';
import { freePort } from '@billing/devstack';
import type { GrpcServer } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { buildGateway, type Gateway } from '../src/app.ts';
import { connectToServices, type GrpcConnections } from '../src/clients.ts';
import { keyedDatabase, type KeyedDatabase } from './support/keyed-gateway.ts';

// The usage routes through the gateway, over real gRPC on loopback to bill-service's UsageService
// on an embedded PostgreSQL (no Temporal: usage events never reach a workflow). The close of a
// bill with usage is covered in bill-service's usage test and in bench/usage.

const ADMIN_KEY = 'bsk_usage-routes-admin-key';
const TOKEN = 'usage-routes-service-token-for-the-test-only';

let database: KeyedDatabase;
let billService: GrpcServer;
let connections: GrpcConnections;
let gateway: Gateway;

beforeAll(async () => {
  database = await keyedDatabase();
  const port = await freePort();
  billService = await startBillService(loadEnv({
    DATABASE_URL: database.url, BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1', BILLING_SERVICE_TOKEN: TOKEN,
    TEMPORAL_ADDRESS: '127.0.0.1:1', RATES_SERVICE_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'warn',
  }), createLogger('bill-service', 'warn'));
  connections = connectToServices({ rates: 'http://127.0.0.1:1', bills: `http://127.0.0.1:${port}` }, TOKEN);
  gateway = await buildGateway({
    transports: connections.transports, logger: createLogger('gateway', 'warn'),
    idempotency: { db: database.db, ttlMs: 60_000 },
    access: { db: database.db, adminApiKey: ADMIN_KEY, defaultRateLimitPerMinute: 1_000_000, keyCacheMs: 0 },
  });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  connections?.close();
  await billService?.close();
  await database?.close();
});

const admin = `Bearer ${ADMIN_KEY}`;

async function send(method: 'GET' | 'POST' | 'PUT', url: string, options: { body?: unknown; authorization?: string; contentType?: string; raw?: string } = {}) {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const contentType = options.contentType ?? (payload === undefined ? undefined : 'application/json');
  const answer = await gateway.inject({
    method, url, payload,
    headers: { authorization: options.authorization ?? admin, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
  });
  return { status: answer.statusCode, json: answer.body === '' ? undefined : answer.json() as Record<string, unknown>, text: answer.body };
}

async function customerKey(customerId: string): Promise<string> {
  const made = await send('POST', '/v1/api-keys', { body: { name: 'usage test', customerId } });
  expect(made.status, made.text).toBe(201);
  return `Bearer ${String(made.json?.key)}`;
}

const code = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;
const now = () => new Date().toISOString();
const event = (customerId: string, metric: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  ({ transactionId: randomUUID(), customerId, metric, timestamp: now(), properties, ...extra });

async function eventCount(customerId: string): Promise<number> {
  return Number((await database.db('usage_events').where({ customer_id: customerId }).count({ n: '*' }))[0]?.n);
}

describe('metrics and prices', () => {
  it('defines, lists and reads a metric, and sets platform and customer prices, for platform keys only', async () => {
    const metric = code('calls');
    const created = await send('POST', '/v1/metrics', { body: { code: metric, name: 'API calls', aggregation: 'COUNT', filters: [{ key: 'region', values: ['us', 'eu'] }] } });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ code: metric, aggregation: 'COUNT', field: null, filters: [{ key: 'region', values: ['eu', 'us'] }], version: 1, referencedAt: null });
    expect((await send('POST', '/v1/metrics', { body: { code: metric, name: 'API calls', aggregation: 'COUNT', filters: [{ key: 'region', values: ['eu', 'us'] }] } })).status).toBe(200);
    const list = await send('GET', '/v1/metrics');
    expect((list.json?.items as Array<{ code: string }>).map((one) => one.code)).toContain(metric);

    // A page at a time, by code: walking the pages finds each metric once.
    const second = await send('POST', '/v1/metrics', { body: { code: `${metric}_b`, name: 'API calls again', aggregation: 'COUNT' } });
    expect(second.status, second.text).toBe(201);
    const seen: string[] = [];
    for (let cursor: string | null = '', pages = 0; cursor !== null; pages += 1) {
      expect(pages).toBeLessThan(1_000);
      const page = await send('GET', `/v1/metrics?limit=1${cursor === '' ? '' : `&cursor=${cursor}`}`);
      expect(page.status, page.text).toBe(200);
      const items = page.json?.items as Array<{ code: string }>;
      expect(items.length).toBeLessThanOrEqual(1);
      seen.push(...items.map((one) => one.code));
      cursor = page.json?.nextCursor as string | null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((one) => one.startsWith(metric))).toEqual([metric, `${metric}_b`]);
    expect((await send('GET', '/v1/metrics?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);

    const price = await send('PUT', `/v1/metrics/${metric}/price`, { body: { currency: 'USD', model: 'VOLUME', tiers: [{ upTo: '10', unitPrice: '0.5' }, { upTo: null, unitPrice: '0.25', flatFee: '1.00' }] } });
    expect(price.status, price.text).toBe(200);
    expect(price.json).toMatchObject({ metricCode: metric, customerId: null, model: 'VOLUME', tiers: [{ upTo: '10', unitPrice: '0.5' }, { upTo: null, unitPrice: '0.25', flatFee: '1.00' }] });
    expect((await send('GET', `/v1/metrics/${metric}`)).json).toMatchObject({ metric: { code: metric }, price: { model: 'VOLUME' } });
    const own = await send('PUT', `/v1/customers/cus_vip/prices/${metric}`, { body: { currency: 'USD', model: 'PER_UNIT', unitPrice: '0.001' } });
    expect(own.json).toMatchObject({ customerId: 'cus_vip', model: 'PER_UNIT', unitPrice: '0.001' });

    const key = await customerKey('cus_vip');
    for (const [method, url, body] of [
      ['POST', '/v1/metrics', { code: code('x'), name: 'x', aggregation: 'COUNT' }], ['GET', '/v1/metrics', undefined],
      ['PUT', `/v1/customers/cus_vip/prices/${metric}`, { currency: 'USD', model: 'PER_UNIT', unitPrice: '0' }],
    ] as const) {
      expect((await send(method, url, { body, authorization: key })).status).toBe(403);
    }
  });

  it('refuses bad prices and a change of meaning of a metric with events, naming the field', async () => {
    const metric = code('gb');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Storage', aggregation: 'SUM', field: 'gb' } });
    const floaty = await send('PUT', `/v1/metrics/${metric}/price`, { body: { currency: 'USD', model: 'PER_UNIT', unitPrice: 0.1 } });
    expect(floaty.status).toBe(400);
    expect(floaty.json?.details).toEqual([expect.objectContaining({ field: 'unitPrice' })]);
    const tooFine = await send('PUT', `/v1/metrics/${metric}/price`, { body: { currency: 'JPY', model: 'PACKAGE', packageSize: '10', packagePrice: '1.5' } });
    expect(tooFine.status).toBe(400);
    expect(tooFine.json?.message).toMatch(/packagePrice/);
    expect((await send('PUT', '/v1/metrics/nope_nope/price', { body: { currency: 'USD', model: 'PER_UNIT', unitPrice: '1' } })).status).toBe(404);
    await send('POST', '/v1/usage-events', { body: { events: [event('cus_gb', metric, { gb: '2' })] } });
    const changed = await send('POST', '/v1/metrics', { body: { code: metric, name: 'Storage', aggregation: 'MAX', field: 'gb' } });
    expect(changed.status).toBe(409);
    expect(changed.json?.code).toBe('failed_precondition');
  });
});

describe('POST /v1/usage-events', () => {
  it('answers each event on its own and stores only the accepted ones, once', async () => {
    const metric = code('tokens');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Tokens', aggregation: 'SUM', field: 'n' } });
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const first = event(customer, metric, { n: 3 });
    const answer = await send('POST', '/v1/usage-events', {
      body: {
        events: [first, { ...first, properties: { n: 100 } }, event(customer, metric, { n: 'lots' }), event(customer, 'unknown_metric'),
          event(customer, metric, { n: '0.5' }, { timestamp: '2020-01-01T00:00:00Z' }), event(customer, metric, { n: '1.25' })],
      },
    });
    expect(answer.status, answer.text).toBe(200);
    expect((answer.json?.results as Array<{ status: string; reason?: string }>).map((one) => [one.status, one.reason])).toEqual([
      ['accepted', undefined], ['duplicate', undefined], ['rejected', expect.stringMatching(/non-negative decimal/)],
      ['rejected', expect.stringMatching(/not defined/)], ['rejected', 'timestamp is more than 35 days old'], ['accepted', undefined],
    ]);
    expect(await eventCount(customer)).toBe(2);
    const usage = await send('GET', `/v1/customers/${customer}/usage?metric=${metric}`);
    expect(usage.json?.items).toEqual([{ metric, dimension: {}, quantity: '4.25', eventCount: 2, amount: null }]);
  });

  it('refuses a batch that is not one: 1,001 events, none, a malformed event, a body over the limit; storing nothing', async () => {
    const metric = code('calls');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Calls', aggregation: 'COUNT' } });
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const tooMany = await send('POST', '/v1/usage-events', { body: { events: Array.from({ length: 1_001 }, () => event(customer, metric)) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json?.details).toEqual([expect.objectContaining({ field: 'events' })]);
    expect((await send('POST', '/v1/usage-events', { body: { events: [] } })).status).toBe(400);
    const bodiless = await send('POST', '/v1/usage-events');
    expect(bodiless.status, bodiless.text).toBe(400);
    expect(bodiless.json?.details).toEqual([expect.objectContaining({ field: 'body' })]);
    expect((await send('POST', '/v1/usage-events', { raw: 'events', contentType: 'text/plain' })).status).toBe(415);
    const malformed = await send('POST', '/v1/usage-events', { body: { events: [event(customer, metric), { ...event(customer, metric), transactionId: 42 }] } });
    expect(malformed.status).toBe(400);
    expect(malformed.json?.details).toEqual([expect.objectContaining({ field: 'events[1].transactionId' })]);
    const huge = JSON.stringify({ events: [event(customer, metric, { blob: 'x'.repeat(10 * 1024 * 1024) })] });
    const tooLarge = await send('POST', '/v1/usage-events', { raw: huge, contentType: 'application/json' });
    expect(tooLarge.status).toBe(413);
    expect(await eventCount(customer)).toBe(0);
  });

  it('lets a customer key send only its own customer\'s events, rejecting the others one by one', async () => {
    const metric = code('calls');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Calls', aggregation: 'COUNT' } });
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const key = await customerKey(customer);
    const answer = await send('POST', '/v1/usage-events', { authorization: key, body: { events: [event(customer, metric), event('cus_someone_else', metric)] } });
    expect((answer.json?.results as Array<{ status: string; reason?: string }>).map((one) => one.status)).toEqual(['accepted', 'rejected']);
    expect(await eventCount('cus_someone_else')).toBe(0);
    expect((await send('GET', '/v1/customers/cus_someone_else/usage', { authorization: key })).status).toBe(403);
    expect((await send('GET', `/v1/customers/${customer}/usage`, { authorization: key })).json?.items).toEqual([
      { metric, dimension: {}, quantity: '1', eventCount: 1, amount: null },
    ]);
  });

  it('answers concurrent one-event requests of several keys each with its own result, storing each accepted event once', async () => {
    const metric = code('calls');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Calls', aggregation: 'COUNT' } });
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const other = `cus_${randomUUID().slice(0, 8)}`;
    const key = await customerKey(customer);
    // 60 requests at once, so they share Ingest calls: platform events, customer-key events for its own
    // customer and for another (rejected), unknown metrics (rejected) and one event sent twice (duplicate).
    const repeated = event(customer, metric);
    const requests = Array.from({ length: 60 }, (_, index) => {
      switch (index % 4) {
        case 0: return { authorization: admin, body: event(other, metric), expected: 'accepted' };
        case 1: return { authorization: key, body: event(customer, metric), expected: 'accepted' };
        case 2: return { authorization: key, body: event(other, metric), expected: 'rejected' };
        default: return { authorization: admin, body: event(customer, `missing_${index}`), expected: 'rejected' };
      }
    });
    const answers = await Promise.all([
      ...requests.map((one) => send('POST', '/v1/usage-events', { authorization: one.authorization, body: { events: [one.body] } })),
      send('POST', '/v1/usage-events', { authorization: key, body: { events: [repeated] } }),
    ]);
    const again = await send('POST', '/v1/usage-events', { authorization: key, body: { events: [repeated] } });
    requests.forEach((one, index) => {
      const answer = answers[index];
      expect(answer?.status, answer?.text).toBe(200);
      expect(answer?.json?.results).toEqual([expect.objectContaining({ transactionId: one.body.transactionId, status: one.expected })]);
    });
    expect((again.json?.results as Array<{ status: string }>)[0]?.status).toBe('duplicate');
    expect(await eventCount(other)).toBe(15);
    expect(await eventCount(customer)).toBe(16);
  });

  it('takes a CloudEvents batch, deduplicated on source and id', async () => {
    const metric = code('msgs');
    await send('POST', '/v1/metrics', { body: { code: metric, name: 'Messages', aggregation: 'SUM', field: 'count' } });
    await send('PUT', `/v1/metrics/${metric}/price`, { body: { currency: 'USD', model: 'PACKAGE', packageSize: '100', packagePrice: '2.00' } });
    const customer = `cus_${randomUUID().slice(0, 8)}`;
    const cloudEvent = (source: string, id: string, count: string) => ({
      specversion: '1.0', id, source, type: metric, subject: customer, time: now(), data: { count },
    });
    const batch = [cloudEvent('/api/eu', 'e1', '150'), cloudEvent('/api/us', 'e1', '10'), cloudEvent('/api/eu', 'e1', '999')];
    const answer = await send('POST', '/v1/usage-events', { raw: JSON.stringify(batch), contentType: 'application/cloudevents-batch+json' });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.results).toEqual([
      { transactionId: 'e1', status: 'accepted' }, { transactionId: 'e1', status: 'accepted' }, { transactionId: 'e1', status: 'duplicate' },
    ]);
    const bad = await send('POST', '/v1/usage-events', { raw: JSON.stringify([{ ...batch[0], specversion: '0.3' }]), contentType: 'application/cloudevents-batch+json' });
    expect(bad.status).toBe(400);
    // Only the usage events route takes a CloudEvents batch.
    const elsewhere = await send('POST', '/v1/metrics', { raw: JSON.stringify({ code: code('x'), name: 'x', aggregation: 'COUNT' }), contentType: 'application/cloudevents-batch+json' });
    expect(elsewhere.status).toBe(415);
    expect((await send('GET', `/v1/customers/${customer}/usage`)).json?.items).toEqual([
      { metric, dimension: {}, quantity: '160', eventCount: 2, amount: { amount: '4.00', currency: 'USD' } },
    ]);
  });
});

import { once } from 'node:events';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, createRouterTransport } from '@connectrpc/connect';
import { connectToService } from '@billing/grpc-kit';
import { createDb, migrateLatest, type Db } from '@billing/db';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayDeps } from '../src/app.ts';
import { idempotencyStore } from '../src/idempotency/store.ts';
import { fakeBillService } from './support/fake-bills.ts';
import { buildTestGateway } from './support/in-memory-services.ts';

// A real PostgreSQL: the records must survive a gateway restart and be shared by replicas.
let postgres: PostgresHandle;
let db: Db;
beforeAll(async () => {
  postgres = await startPostgres({ temporary: true });
  await migrateLatest(postgres.url);
  db = createDb({ url: postgres.url, poolMax: 5 });
}, 120_000);
afterAll(async () => {
  await db?.destroy();
  await postgres?.stop();
});

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let fake: ReturnType<typeof fakeBillService>;
const gateways: TestGateway[] = [];

// The router transport binds the service's methods when the gateway is built: wrap them first.
async function gatewayWith(idempotency: Partial<NonNullable<GatewayDeps['idempotency']>> = {}, bills = fake.service) {
  const gateway = await buildTestGateway({ bills, deps: { idempotency: { db, ttlMs: 60_000, ...idempotency } } });
  gateways.push(gateway);
  return gateway.app;
}

beforeEach(async () => {
  await db('idempotency_records').delete();
  fake = fakeBillService();
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.app.close()));
});

const BILLS = '/v1/customers/cus_1/bills';
const ITEMS = `${BILLS}/2031-02/items`;
const ITEM = { description: 'API calls', amount: '2.50' };

type App = Awaited<ReturnType<typeof gatewayWith>>;
function post(app: App, url: string, payload: unknown, key?: string) {
  return app.inject({
    method: 'POST', url, payload: payload === undefined ? undefined : JSON.stringify(payload),
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}) },
  });
}
async function openBill(app: App) {
  expect((await post(app, BILLS, { currency: 'USD', billingPeriod: '2031-02' })).statusCode).toBe(201);
}

describe('Idempotency-Key', () => {
  it('replays the first response byte for byte, marked as a replay, without a second effect', async () => {
    const app = await gatewayWith();
    await openBill(app);
    const first = await post(app, ITEMS, ITEM, 'fee-1');
    const again = await post(app, ITEMS, ITEM, 'fee-1');
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(fake.calls.addLineItem).toBe(1);
  });

  it('answers 422 for the same key with another body or another path', async () => {
    const app = await gatewayWith();
    await openBill(app);
    await post(app, ITEMS, ITEM, 'fee-1');
    const otherBody = await post(app, ITEMS, { ...ITEM, amount: '2.51' }, 'fee-1');
    expect(otherBody.statusCode).toBe(422);
    expect(otherBody.json()).toEqual({
      code: 'invalid_argument',
      message: 'Idempotency-Key "fee-1" was used with a different request',
      details: [],
    });
    const otherPath = await post(app, `/v1/customers/cus_2/bills/2031-02/items`, ITEM, 'fee-1');
    expect(otherPath.statusCode).toBe(422);
    expect(fake.calls.addLineItem).toBe(1);
  });

  it('answers 409 aborted while the first request with the key is still running', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const serviceReached = new Promise<void>((resolve) => (reached = resolve));
    const app = await gatewayWith({}, {
      ...fake.service,
      addLineItem: async (request, context) => {
        reached();
        await released;
        return fake.service.addLineItem(request, context);
      },
    });
    await openBill(app);
    const first = post(app, ITEMS, ITEM, 'slow-1');
    await serviceReached;
    const second = await post(app, ITEMS, ITEM, 'slow-1');
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('aborted');
    expect(second.json().message).toContain('still in progress');
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(201);
    const third = await post(app, ITEMS, ITEM, 'slow-1');
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(third.body).toBe((await first).body);
  });

  it('keeps its records across a gateway restart and between replicas', async () => {
    const before = await gatewayWith();
    await openBill(before);
    const first = await post(before, ITEMS, ITEM, 'restart-1');
    await before.close();
    const after = await gatewayWith();
    const replayed = await post(after, ITEMS, ITEM, 'restart-1');
    expect(replayed.statusCode).toBe(201);
    expect(replayed.body).toBe(first.body);
    expect(fake.calls.addLineItem).toBe(1);
  });

  it('lets a key be reused for another request once its record has expired', async () => {
    const app = await gatewayWith({ ttlMs: 300_000 });
    await openBill(app);
    await post(app, ITEMS, ITEM, 'ttl-1');
    const lifetime = await db('idempotency_records').where({ key: 'ttl-1' })
      .first(db.raw('extract(epoch from expires_at - created_at)::float8 as seconds'));
    expect(Number(lifetime.seconds)).toBeCloseTo(300, 0);
    // Time passes, without waiting for it: the record's expiry moves into the past.
    await db('idempotency_records').where({ key: 'ttl-1' }).update({ expires_at: db.raw("now() - interval '1 second'") });
    const reused = await post(app, BILLS, { currency: 'EUR', billingPeriod: '2031-03' }, 'ttl-1');
    expect(reused.statusCode).toBe(201);
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(reused.json().currency).toBe('EUR');
  });

  it('takes over the claim of a request whose gateway died once its lease is over', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const app = await gatewayWith({ leaseMs: 60_000 }, {
      ...fake.service,
      addLineItem: async (request, context) => {
        calls += 1;
        if (calls === 1) await stuck;
        return fake.service.addLineItem(request, context);
      },
    });
    await openBill(app);
    const abandoned = post(app, ITEMS, ITEM, 'crash-1');
    await vi.waitFor(async () => expect(await db('idempotency_records').where({ key: 'crash-1', state: 'IN_FLIGHT' }).first()).toBeDefined());
    // While its lease lasts, the key is in progress; then the lease runs out, without waiting for it.
    expect((await post(app, ITEMS, ITEM, 'crash-1')).statusCode).toBe(409);
    await db('idempotency_records').where({ key: 'crash-1' }).update({ locked_until: db.raw("now() - interval '1 second'") });
    const retry = await post(app, ITEMS, ITEM, 'crash-1');
    expect(retry.statusCode).toBe(201);
    expect(calls).toBe(2);
    release();
    await abandoned;
    // The service deduplicates the item by the same key: one item, not two.
    expect(fake.bills.get('cus_1/2031-02')?.items).toHaveLength(1);
  });

  // The write may or may not have happened below: the claim is released and the retry runs again
  // (safe, since the service deduplicates by the same key).
  it.each([
    [Code.Unavailable, 503], [Code.Internal, 500], [Code.DeadlineExceeded, 504], [Code.Unknown, 500],
    [Code.Aborted, 409], [Code.ResourceExhausted, 429], [Code.DataLoss, 500],
  ])('does not record a service failure with code %i (HTTP %i), so a retry with the key runs again', async (code, status) => {
    let calls = 0;
    const app = await gatewayWith({}, {
      ...fake.service,
      addLineItem: async (request, context) => {
        calls += 1;
        if (calls === 1) throw new ConnectError('the outcome is unknown', code);
        return fake.service.addLineItem(request, context);
      },
    });
    await openBill(app);
    expect((await post(app, ITEMS, ITEM, 'unknown-1')).statusCode).toBe(status);
    expect(await db('idempotency_records').where({ key: 'unknown-1' }).first()).toBeUndefined();
    const retry = await post(app, ITEMS, ITEM, 'unknown-1');
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toBe(2);
  });

  // The service looked at the request and refused it, changing nothing: that answer is the outcome.
  it.each([
    [Code.NotFound, 404], [Code.AlreadyExists, 409], [Code.FailedPrecondition, 409],
  ])('records a refusal the service decided (code %i, HTTP %i) and replays it', async (code, status) => {
    let calls = 0;
    const app = await gatewayWith({}, {
      ...fake.service,
      addLineItem: async (request, context) => {
        calls += 1;
        if (calls === 1) throw new ConnectError('the service refused', code);
        return fake.service.addLineItem(request, context);
      },
    });
    await openBill(app);
    const first = await post(app, ITEMS, ITEM, 'refused-1');
    expect(first.statusCode).toBe(status);
    const again = await post(app, ITEMS, ITEM, 'refused-1');
    expect(again.statusCode).toBe(status);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(calls).toBe(1);
  });

  it('answers a bill-service that resets the connection with 503 and Retry-After, logs the cause, and keeps no record', async () => {
    // A real HTTP/2 upstream that resets every call, as a bill-service killed mid-call does.
    const upstream = createHttp2Server();
    upstream.on('session', (session) => session.on('stream', () => session.destroy()));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const bills = connectToService(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { name: 'bill-service' });
    try {
      const viaReset = await buildTestGateway({
        deps: { transports: { rates: createRouterTransport(() => {}), bills: bills.transport }, idempotency: { db, ttlMs: 60_000 } },
      });
      gateways.push(viaReset);
      const answer = await viaReset.app.inject({
        method: 'POST', url: ITEMS, payload: JSON.stringify(ITEM),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'reset-1', 'x-request-id': 'req-reset-1' },
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.json()).toEqual({ code: 'unavailable', message: 'service unavailable', details: [] });
      expect(answer.body).not.toMatch(/ECONNRESET|ERR_|socket|stream|127\.0\.0\.1/i);
      const logged = viaReset.logs.find((line) => line.msg === 'request failed');
      expect(logged?.requestId).toBe('req-reset-1');
      expect(JSON.stringify(logged?.cause)).toMatch(/ECONNRESET|ERR_HTTP2|closed|destroyed/);
      expect(await db('idempotency_records').where({ key: 'reset-1' }).first()).toBeUndefined();
    } finally {
      bills.close();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('does not record a request that failed validation, so the corrected request may use the key', async () => {
    const app = await gatewayWith();
    await openBill(app);
    expect((await post(app, ITEMS, { ...ITEM, amount: 2.5 }, 'fix-1')).statusCode).toBe(400);
    expect((await post(app, ITEMS, { ...ITEM, amount: '0' }, 'fix-1')).statusCode).toBe(400);
    expect((await post(app, ITEMS, ITEM, 'fix-1')).statusCode).toBe(201);
  });

  it('records and replays other client errors, like Stripe (a 404 stays a 404 for that key)', async () => {
    const app = await gatewayWith();
    const missing = await post(app, ITEMS, ITEM, 'early-1');
    expect(missing.statusCode).toBe(404);
    await openBill(app);
    const again = await post(app, ITEMS, ITEM, 'early-1');
    expect(again.statusCode).toBe(404);
    expect(again.body).toBe(missing.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('replays a bodiless POST (close) and the 409 of a second create', async () => {
    const app = await gatewayWith();
    await openBill(app);
    const closed = await post(app, `${BILLS}/2031-02/close`, undefined, 'close-1');
    expect(closed.statusCode).toBe(200);
    expect((await post(app, `${BILLS}/2031-02/close`, undefined, 'close-1')).body).toBe(closed.body);
    expect(fake.calls.closeBill).toBe(1);
    const duplicate = await post(app, BILLS, { currency: 'USD', billingPeriod: '2031-02' }, 'create-1');
    expect(duplicate.statusCode).toBe(409);
    expect((await post(app, BILLS, { currency: 'USD', billingPeriod: '2031-02' }, 'create-1')).headers['idempotent-replayed']).toBe('true');
  });

  it('rejects a key with a control character with a 400 naming the header, and ignores keys on GET', async () => {
    const app = await gatewayWith();
    await openBill(app);
    const bad = await post(app, ITEMS, ITEM, 'tab\there');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('idempotency-key:');
    await app.inject({ method: 'GET', url: `${BILLS}/2031-02`, headers: { 'idempotency-key': 'get-1' } });
    expect(await db('idempotency_records').where({ key: 'get-1' }).first()).toBeUndefined();
  });

  it('deletes expired records when swept', async () => {
    const store = idempotencyStore(db, { ttlMs: 1, leaseMs: 1 });
    await store.claim({ apiKeyId: 'key_a', key: 'old-1' }, 'f');
    await store.complete({ apiKeyId: 'key_a', key: 'old-1' }, 'f', { status: 201, contentType: 'application/json', body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.sweep()).toBe(1);
    expect(await db('idempotency_records').where({ key: 'old-1' }).first()).toBeUndefined();
  });

  it('claims keys that arrive together in one go, each for its own caller, a repeat as in flight, and one the database refuses alone', async () => {
    const store = idempotencyStore(db, { ttlMs: 60_000, leaseMs: 60_000 });
    await store.claim({ apiKeyId: 'key_claims', key: 'done-before' }, 'f-done');
    await store.complete({ apiKeyId: 'key_claims', key: 'done-before' }, 'f-done', { status: 201, contentType: 'application/json', body: '{"done":true}' });
    const fresh = Array.from({ length: 20 }, (_, index) => ({ apiKeyId: 'key_claims', key: `fresh-${index}` }));
    // Sent in the same tick: after the first, they queue and leave together. PostgreSQL's text holds
    // no NUL character, so the last key is refused; the others are claimed or answered all the same.
    const outcomes = await Promise.allSettled([
      ...fresh.map((key) => store.claim(key, `f-${key.key}`)),
      // The same key twice in one statement: the repeat waits for the next and finds the first's claim.
      store.claim({ apiKeyId: 'key_claims', key: 'fresh-5' }, 'f-fresh-5'),
      store.claim({ apiKeyId: 'key_claims', key: 'done-before' }, 'f-done'),
      store.claim({ apiKeyId: 'key_claims', key: 'done-before' }, 'another body'),
      store.claim({ apiKeyId: 'key_claims', key: 'nul\u0000' }, 'f-nul'),
    ]);
    const settled = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : 'refused'));
    expect(settled.slice(0, 20)).toEqual(fresh.map(() => ({ kind: 'claimed' })));
    expect(settled.slice(20)).toEqual([
      { kind: 'in_flight' },
      { kind: 'replay', response: { status: 201, contentType: 'application/json', body: '{"done":true}' } },
      { kind: 'mismatch' },
      'refused',
    ]);
    const rows = await db('idempotency_records').where({ api_key_id: 'key_claims' }).whereLike('key', 'fresh-%');
    expect(rows.map((row: { state: string }) => row.state)).toEqual(fresh.map(() => 'IN_FLIGHT'));
  });

  it('records responses finished together in one go, each for its own key, and one the database refuses alone', async () => {
    const store = idempotencyStore(db, { ttlMs: 60_000, leaseMs: 60_000 });
    const keys = Array.from({ length: 20 }, (_, index) => ({ apiKeyId: 'key_batch', key: `together-${index}` }));
    for (const key of keys) expect((await store.claim(key, `f-${key.key}`)).kind).toBe('claimed');
    await store.claim({ apiKeyId: 'key_batch', key: 'refused' }, 'f-refused');
    // PostgreSQL's text holds no NUL character: that record is refused, the others are kept.
    const outcomes = await Promise.allSettled([
      ...keys.map((key, index) => store.complete(key, `f-${key.key}`, { status: 201, contentType: 'application/json', body: `{"n":${index},"q":"a\\"b"}` })),
      store.complete({ apiKeyId: 'key_batch', key: 'refused' }, 'f-refused', { status: 201, contentType: 'text/plain', body: 'nul\u0000' }),
    ]);
    expect(outcomes.slice(0, 20).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(outcomes[20]?.status).toBe('rejected');
    for (const [index, key] of keys.entries()) {
      expect(await store.claim(key, `f-${key.key}`)).toEqual({
        kind: 'replay', response: { status: 201, contentType: 'application/json', body: `{"n":${index},"q":"a\\"b"}` },
      });
    }
    expect(await store.claim({ apiKeyId: 'key_batch', key: 'refused' }, 'f-refused')).toEqual({ kind: 'in_flight' });
  });

  it('is part of readiness: /readyz checks the gateway PostgreSQL', async () => {
    const app = await gatewayWith();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ rates: 'SERVING', bills: 'SERVING', postgres: 'SERVING' });
  });

  it('makes /readyz answer 503 with postgres UNREACHABLE when the gateway PostgreSQL does not answer', async () => {
    const nowhere = createDb({ url: 'postgres://postgres:postgres@127.0.0.1:1/billing' });
    try {
      const gateway = await buildTestGateway({ deps: { readinessTimeoutMs: 1_000, idempotency: { db: nowhere, ttlMs: 60_000 } } });
      gateways.push(gateway);
      const ready = await gateway.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toEqual({ rates: 'SERVING', bills: 'SERVING', postgres: 'UNREACHABLE' });
    } finally {
      await nowhere.destroy();
    }
  });
});

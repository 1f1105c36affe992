import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv, startBillService } from '@billing/bill-service';
import { freePort } from '@billing/devstack';
import type { GrpcServer } from '@billing/grpc-kit';
import { createLogger, metricsRegistry } from '@billing/runtime';
import { buildGateway, type Gateway } from '../src/app.ts';
import { connectToServices, type GrpcConnections } from '../src/clients.ts';
import { keyedDatabase, type KeyedDatabase } from './support/keyed-gateway.ts';

// Concurrent ledger postings of a platform key through the gateway share LedgerService PostEntries
// calls; each must be answered exactly as its own call answers it. Real gRPC on loopback to
// bill-service's LedgerService on an embedded PostgreSQL (no Temporal: these postings never reach
// a workflow). bill-service runs in this process, so its call counter is readable here.

const ADMIN_KEY = 'bsk_ledger-coalescing-admin-key';
const TOKEN = 'ledger-coalescing-service-token-for-the-test-only';

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

async function post(url: string, body: unknown, key: string = randomUUID()) {
  const answer = await gateway.inject({
    method: 'POST', url, payload: JSON.stringify(body),
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
  });
  return { status: answer.statusCode, json: answer.json() as Record<string, unknown>, replayed: answer.headers['idempotent-replayed'] };
}

async function postEntriesCalls(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('rpc_server_requests_total')?.get();
  return (metric?.values ?? []).filter((value) => value.labels.method === 'PostEntries').reduce((total, value) => total + value.value, 0);
}

describe('concurrent ledger postings of a platform key', () => {
  it('share PostEntries calls, each answered as its own call answers it: entries, refusals and replays', async () => {
    const run = randomUUID().slice(0, 8);
    const wallet = (index: number) => `cus_${run}_${index}`;
    const callsBefore = await postEntriesCalls();

    // 20 top-ups at once, one per wallet, each of 10.00.
    const topUps = await Promise.all(Array.from({ length: 20 }, (_, index) =>
      post(`/v1/customers/${wallet(index)}/wallet/top-ups`, { amount: '10.00', currency: 'USD' }, `${run}-top-${index}`)));
    expect(topUps.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 201));
    topUps.forEach((answer, index) => expect(answer.json).toMatchObject({ type: 'TOPUP', idempotencyKey: `topup:${wallet(index)}:${run}-top-${index}` }));

    // At once: transfers that the wallets cover, transfers that overdraw (409), a transfer to itself
    // (400 naming the field), adjustments, and one top-up sent again with its key (the ledger's replay).
    const overdraw = (index: number) => ({ fromCustomerId: wallet(index), toCustomerId: wallet(0), amount: '25.00', currency: 'USD' });
    const mixed = await Promise.all([
      ...Array.from({ length: 10 }, (_, index) =>
        post('/v1/transfers', { fromCustomerId: wallet(index + 1), toCustomerId: wallet(0), amount: '1.50', currency: 'USD' })),
      ...Array.from({ length: 5 }, (_, index) => post('/v1/transfers', overdraw(index + 11))),
      post('/v1/transfers', { fromCustomerId: wallet(19), toCustomerId: wallet(19), amount: '1.00', currency: 'USD' }),
      ...Array.from({ length: 5 }, (_, index) => post('/v1/ledger/adjustments', {
        customerId: wallet(index + 11), account: 'wallet', direction: 'credit', amount: '0.25', currency: 'USD', reason: 'goodwill',
      })),
    ]);
    expect(mixed.map((answer) => answer.status)).toEqual([...Array.from({ length: 10 }, () => 201), ...Array.from({ length: 5 }, () => 409), 400,
      ...Array.from({ length: 5 }, () => 201)]);
    // A refusal reads exactly as the same request sent alone reads.
    const alone = await post('/v1/transfers', overdraw(11));
    expect(alone.status).toBe(409);
    for (const refused of mixed.slice(10, 15)) expect(refused.json).toEqual({ ...alone.json, message: refused.json.message });
    expect(mixed[10]?.json).toEqual(alone.json);
    const toItself = await post('/v1/transfers', { fromCustomerId: wallet(19), toCustomerId: wallet(19), amount: '1.00', currency: 'USD' });
    expect(mixed[15]?.json).toEqual(toItself.json);
    expect(toItself.json).toMatchObject({ code: 'invalid_argument' });

    // Two top-ups sent again with their keys, at once: each is answered with its first entry.
    const again = await Promise.all([
      post(`/v1/customers/${wallet(3)}/wallet/top-ups`, { amount: '10.00', currency: 'USD' }, `${run}-top-3`),
      post(`/v1/customers/${wallet(4)}/wallet/top-ups`, { amount: '10.00', currency: 'USD' }, `${run}-top-4`),
    ]);
    expect(again.map((answer) => [answer.status, answer.json.id])).toEqual([[201, topUps[3]?.json.id], [201, topUps[4]?.json.id]]);

    // Balances to the cent: 10.00 each, wallet 0 got 10 × 1.50, the senders gave 1.50, the refused moved nothing.
    const balance = async (index: number) => {
      const answer = await gateway.inject({ method: 'GET', url: `/v1/customers/${wallet(index)}/accounts`, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return (answer.json() as { items: Array<{ kind: string; balance: { amount: string } }> }).items.find((item) => item.kind === 'wallet')?.balance.amount;
    };
    expect(await balance(0)).toBe('25.00');
    expect(await balance(1)).toBe('8.50');
    expect(await balance(11)).toBe('10.25');
    expect(await balance(19)).toBe('10.00');
    // Some of them went together.
    expect(await postEntriesCalls()).toBeGreaterThan(callsBefore);
  });
});

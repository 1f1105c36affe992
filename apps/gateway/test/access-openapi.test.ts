import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFor } from '../src/access/rules.ts';
import { keyedDatabase, keyedGateway, type KeyedDatabase, type KeyedGateway } from './support/keyed-gateway.ts';

// Every operation the gateway documents, read from its own /openapi.json: a route added later is
// covered here without anyone listing it. None of these requests may reach a service or write.

interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: unknown;
}

let database: KeyedDatabase;
let gateway: KeyedGateway;
let operations: Array<{ method: string; path: string; operation: Operation }>;
let revokedKey: string;
let otherCustomerKey: string;

const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);
const MINE = 'cus_mine';

/** A concrete URL for a documented path, naming `customerId` for `{customerId}`. */
function urlFor(path: string, customerId: string): string {
  const values: Record<string, string> = {
    customerId, billingPeriod: '2031-02', mandateId: 'mnd_1', cycle: '1', base: 'USD', quote: 'GEL', id: 'key_000000000000000000000000',
  };
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => values[name] ?? 'x');
}

beforeAll(async () => {
  database = await keyedDatabase();
  gateway = await keyedGateway(database.db);
  const document = (await gateway.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })));
  // Another customer with real data behind it, so "existing" means something below.
  const created = await gateway.app.inject({ method: 'POST', url: '/v1/customers/cus_existing/bills', payload: { currency: 'USD', billingPeriod: '2031-02' } });
  expect(created.statusCode).toBe(201);
  const revoked = await gateway.issueKey();
  await gateway.app.inject({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}` });
  revokedKey = revoked.authorization;
  otherCustomerKey = (await gateway.issueKey({ customerId: MINE })).authorization;
}, 120_000);

afterAll(async () => {
  await gateway?.app.close();
  await database?.close();
});

async function send(method: string, url: string, authorization: string | undefined, withBody: boolean) {
  return gateway.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization, ...(withBody ? { 'content-type': 'application/json' } : {}) },
    ...(withBody ? { payload: JSON.stringify({ customerId: 'cus_existing', fromCustomerId: 'cus_existing' }) } : {}),
  });
}

/** Runs `check` over the operations that `select` keeps, asserting no service call and no new key happened. */
async function writesNothing(check: () => Promise<void>) {
  const calls = gateway.calls.count;
  const keys = Number((await database.db('api_keys').count({ n: '*' }))[0]?.n);
  const records = Number((await database.db('idempotency_records').count({ n: '*' }))[0]?.n);
  await check();
  expect(gateway.calls.count).toBe(calls);
  expect(Number((await database.db('api_keys').count({ n: '*' }))[0]?.n)).toBe(keys);
  expect(Number((await database.db('idempotency_records').count({ n: '*' }))[0]?.n)).toBe(records);
}

describe('access, for every operation in /openapi.json', () => {
  it('finds the operations, the public ones among them', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.filter(({ path }) => PUBLIC_PATHS.has(path)).map(({ operation }) => operation.operationId).sort())
      .toEqual(['liveness', 'readiness']);
  });

  it('answers 401 with WWW-Authenticate to no key, a malformed key, a revoked key and a 10 kB header', async () => {
    const bad = {
      none: undefined,
      malformed: 'Bearer not-a-key',
      'not bearer': 'Basic dXNlcjpwYXNz',
      unknown: 'Bearer bsk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      revoked: revokedKey,
      '10 kB': `Bearer bsk_${'A'.repeat(10_240)}`,
    };
    await writesNothing(async () => {
      for (const { method, path, operation } of operations) {
        if (PUBLIC_PATHS.has(path)) continue;
        for (const [label, authorization] of Object.entries(bad)) {
          const answer = await send(method, urlFor(path, 'cus_existing'), authorization, operation.requestBody !== undefined);
          expect(answer.statusCode, `${method} ${path} with ${label} key`).toBe(401);
          expect(answer.json().code).toBe('unauthenticated');
          expect(answer.headers['www-authenticate'], `${method} ${path}`).toMatch(/^Bearer realm="billing"/);
        }
      }
    });
  });

  it('answers 403 to a customer key on every operation under another customer, existing or not', async () => {
    const scoped = operations.filter(({ path }) => path.startsWith('/v1/customers/{customerId}'));
    expect(scoped.length).toBeGreaterThanOrEqual(15);
    await writesNothing(async () => {
      for (const { method, path, operation } of scoped) {
        for (const customer of ['cus_existing', 'cus_never_seen']) {
          const answer = await send(method, urlFor(path, customer), otherCustomerKey, operation.requestBody !== undefined);
          expect(answer.statusCode, `${method} ${path} for ${customer}`).toBe(403);
          expect(answer.json().code).toBe('permission_denied');
        }
      }
    });
  });

  it('answers 403 to a customer key on every platform-only operation', async () => {
    const platformOnly = operations.filter(({ path }) => accessFor(path.replace(/\{(\w+)\}/g, ':$1')).kind === 'platform');
    expect(platformOnly.map(({ operation }) => operation.operationId)).toEqual(expect.arrayContaining(['createApiKey', 'listApiKeys', 'scriptOutcomes']));
    await writesNothing(async () => {
      for (const { method, path, operation } of platformOnly) {
        const answer = await send(method, urlFor(path, MINE), otherCustomerKey, operation.requestBody !== undefined);
        expect(answer.statusCode, `${method} ${path}`).toBe(403);
      }
    });
  });

  it('lets the public operations through without a key', async () => {
    for (const { method, path } of operations.filter((entry) => PUBLIC_PATHS.has(entry.path))) {
      expect((await send(method, path, undefined, false)).statusCode, path).toBe(200);
    }
  });
});

describe('the access rules', () => {
  it('close an unknown /v1 route to customer keys by default', () => {
    expect(accessFor('/v1/something-new')).toEqual({ kind: 'platform' });
    expect(accessFor('/v1/ledger/trial-balance')).toEqual({ kind: 'platform' });
    expect(accessFor('/v1/customers/:customerId/accounts')).toEqual({ kind: 'customer-path', param: 'customerId' });
    expect(accessFor('/v1/transfers')).toEqual({ kind: 'customer-body', field: 'fromCustomerId' });
    expect(accessFor('/v1/rates/:base/:quote')).toEqual({ kind: 'any-key' });
  });
});

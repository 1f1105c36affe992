import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyedDatabase, keyedGateway, type KeyedDatabase } from './support/keyed-gateway.ts';

// API keys through the gateway, with their records in a real PostgreSQL.
let database: KeyedDatabase;
beforeAll(async () => {
  database = await keyedDatabase();
}, 120_000);
afterAll(async () => {
  await database?.close();
});

type Gateway = Awaited<ReturnType<typeof keyedGateway>>;
const gateways: Gateway[] = [];
async function gateway(options: Parameters<typeof keyedGateway>[1] = {}) {
  const built = await keyedGateway(database.db, options);
  gateways.push(built);
  return built;
}
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((built) => built.app.close()));
});

const BILL = { currency: 'USD', billingPeriod: '2031-02' };

describe('key management', () => {
  it('shows the secret once at creation, stores only its hash, and lists keys without secrets', async () => {
    const { app } = await gateway();
    const created = await app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'sync job', customerId: 'cus_7', rateLimitPerMinute: 120 } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{24}$/), name: 'sync job', customerId: 'cus_7', prefix: body.key.slice(0, 12),
      rateLimitPerMinute: 120, createdAt: expect.any(String), revokedAt: null, lastUsedAt: null, key: expect.stringMatching(/^bsk_[A-Za-z0-9_-]{43}$/),
    });
    const row = await database.db('api_keys').where({ id: body.id }).first();
    expect(JSON.stringify(row)).not.toContain(body.key.slice(4));
    const one = await app.inject({ method: 'GET', url: `/v1/api-keys/${body.id}` });
    expect(one.json()).toEqual({ ...body, key: undefined });
    const page = await app.inject({ method: 'GET', url: '/v1/api-keys?limit=200' });
    expect(page.body).not.toContain(body.key);
    expect(page.json().items).toContainEqual({ ...body, key: undefined });
  });

  it('gives a platform key the default rate limit and no customer', async () => {
    const { app } = await gateway({ defaultRateLimitPerMinute: 777 });
    const created = await app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'ops' } });
    expect(created.json()).toMatchObject({ customerId: null, rateLimitPerMinute: 777 });
  });

  it('pages keys oldest first with an opaque cursor, and refuses a cursor it did not issue', async () => {
    const { app, issueKey } = await gateway();
    for (let n = 0; n < 3; n += 1) await issueKey({ name: `page ${n}` });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await app.inject({ method: 'GET', url })).json() as { items: { id: string }[]; nextCursor: string | null };
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(Number((await database.db('api_keys').count({ n: '*' }))[0]?.n));
    // The same refusal as every other list: a made-up cursor, and another list's real one.
    const anotherList = Buffer.from(JSON.stringify(['p1', 'events', '12'])).toString('base64url');
    for (const forged of ['bm90LWEtY3Vyc29y', 'not!base64', anotherList]) {
      const bad = await app.inject({ method: 'GET', url: `/v1/api-keys?cursor=${forged}` });
      expect(bad.statusCode, forged).toBe(400);
      expect(bad.json(), forged).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^cursor: /) });
    }
  });

  it('revokes a key: 200 with revokedAt, then 401 for it; revoking again answers the same', async () => {
    const { app, issueKey } = await gateway();
    const key = await issueKey();
    expect((await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } })).statusCode).toBe(200);
    const revoked = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toEqual(expect.any(String));
    const refused = await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ code: 'unauthenticated', message: expect.any(String), details: [] });
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer /);
    const again = await app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
    expect((await app.inject({ method: 'DELETE', url: '/v1/api-keys/key_000000000000000000000000' })).statusCode).toBe(404);
  });

  it('refuses a revoked key on another replica within 1 second, despite its cache', async () => {
    // A cache far longer than the bar: only the announcement of the revocation can meet it.
    const one = await gateway({ keyCacheMs: 5_000, databaseUrl: database.url });
    const two = await gateway({ keyCacheMs: 5_000, databaseUrl: database.url });
    const key = await one.issueKey();
    const asKey = { method: 'GET' as const, url: '/v1/rates', headers: { authorization: key.authorization } };
    expect((await two.app.inject(asKey)).statusCode).toBe(200);
    expect((await two.app.inject(asKey)).statusCode).toBe(200);
    await one.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 1_000) {
      status = (await two.app.inject(asKey)).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect((await one.app.inject(asKey)).statusCode).toBe(401);
  });

  it('trusts a cached key for at most the cache time when its change was never announced', async () => {
    const replica = await gateway({ keyCacheMs: 1_000, databaseUrl: database.url });
    const key = await replica.issueKey();
    const asKey = { method: 'GET' as const, url: '/v1/rates', headers: { authorization: key.authorization } };
    expect((await replica.app.inject(asKey)).statusCode).toBe(200);
    // Revoked in SQL with triggers off for this one transaction: no announcement is sent.
    const revokedAt = Date.now();
    await database.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('api_keys').where({ id: key.id }).update({ revoked_at: trx.fn.now() });
    });
    // Still cached: the change was not heard, so the key works until its entry runs out.
    expect((await replica.app.inject(asKey)).statusCode).toBe(200);
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3_000) {
      status = (await replica.app.inject(asKey)).statusCode;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1_500);
  });

  it('records when a key was last used', async () => {
    const { app, issueKey } = await gateway();
    const key = await issueKey();
    await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    await expect.poll(async () => (await app.inject({ method: 'GET', url: `/v1/api-keys/${key.id}` })).json().lastUsedAt).not.toBeNull();
  });
});

describe('a customer key', () => {
  it('works on its own customer, and is refused with 403 on another customer, existing or not, and on platform routes', async () => {
    const { app, issueKey, calls } = await gateway();
    expect((await app.inject({ method: 'POST', url: '/v1/customers/cus_other/bills', payload: BILL })).statusCode).toBe(201);
    const key = await issueKey({ customerId: 'cus_mine' });
    const as = (method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, payload, headers: { authorization: key.authorization } });
    expect((await as('POST', '/v1/customers/cus_mine/bills', BILL)).statusCode).toBe(201);
    expect((await as('GET', '/v1/customers/cus_mine/bills/2031-02')).statusCode).toBe(200);
    expect((await as('GET', '/v1/rates/USD/GEL')).statusCode).toBe(200);
    const before = calls.count;
    for (const [method, url] of [
      ['GET', '/v1/customers/cus_other/bills/2031-02'], ['GET', '/v1/customers/cus_nobody/bills'],
      ['GET', '/v1/api-keys'], ['POST', '/v1/payment-simulator/outcomes'],
    ] as const) {
      const refused = await as(method, url, method === 'POST' ? { customerId: 'cus_mine', outcomes: [] } : undefined);
      expect(refused.statusCode, url).toBe(403);
      expect(refused.json(), url).toEqual({ code: 'permission_denied', message: expect.any(String), details: [] });
    }
    expect(calls.count).toBe(before);
  });

  it('tells the service which key and customer it acts for', async () => {
    const seen: Array<[string | null, string | null]> = [];
    const { app, issueKey } = await gateway({
      onRatesCall: (context) => seen.push([context.requestHeader.get('x-billing-key-id'), context.requestHeader.get('x-billing-customer-id')]),
    });
    const key = await issueKey({ customerId: 'cus_meta' });
    await app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { authorization: key.authorization } });
    await app.inject({ method: 'GET', url: '/v1/rates/USD/GEL' });
    expect(seen).toEqual([[key.id, 'cus_meta'], ['key_admin', null]]);
  });
});

describe('rate limits', () => {
  it('answers a key limited to 5 per minute 429 on its 6th request, with the headers, and leaves another key alone', async () => {
    const { app, issueKey } = await gateway();
    const limited = await issueKey({ rateLimitPerMinute: 5 });
    const other = await issueKey({ rateLimitPerMinute: 5 });
    const call = (key: { authorization: string }) => app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    const remaining: string[] = [];
    for (let n = 0; n < 5; n += 1) {
      const answer = await call(limited);
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['ratelimit-limit']).toBe('5');
      expect(answer.headers['ratelimit-reset']).toMatch(/^\d+$/);
      remaining.push(String(answer.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const sixth = await call(limited);
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json()).toEqual({ code: 'resource_exhausted', message: expect.stringContaining('5 requests per minute'), details: [] });
    // One token comes back every 12 s at 5 per minute.
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThanOrEqual(11);
    expect(Number(sixth.headers['retry-after'])).toBeLessThanOrEqual(12);
    expect(sixth.headers).toMatchObject({ 'ratelimit-limit': '5', 'ratelimit-remaining': '0' });
    expect((await call(other)).statusCode).toBe(200);
  });

  it('shares one bucket between gateway replicas', async () => {
    const one = await gateway();
    const two = await gateway();
    const key = await one.issueKey({ rateLimitPerMinute: 4 });
    const statuses: number[] = [];
    for (const replica of [one, two, one, two, one]) {
      statuses.push((await replica.app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('leases tokens to each replica in chunks while two replicas together stay within the key\'s limit', async () => {
    // 600 a minute, leased by the second (10 tokens a lease), so the replicas hold tokens of their own.
    const one = await gateway({ rateLimitLeaseMs: 1_000 });
    const two = await gateway({ rateLimitLeaseMs: 1_000 });
    const key = await one.issueKey({ rateLimitPerMinute: 600 });
    const call = (replica: Gateway) => replica.app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    // Remaining counts what the bucket and this replica's lease hold together, one less per request.
    const first: string[] = [];
    for (let n = 0; n < 3; n += 1) first.push(String((await call(one)).headers['ratelimit-remaining']));
    expect(first).toEqual(['599', '598', '597']);
    const started = Date.now();
    const granted = new Map<Gateway, number>([[one, 3], [two, 0]]);
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    // 896 requests, half on each replica, 8 at a time on each: half as many again as the limit.
    await Promise.all([one, two].flatMap((replica) => Array.from({ length: 8 }, async () => {
      for (let n = 0; n < 56; n += 1) {
        const answer = await call(replica);
        if (answer.statusCode === 200) granted.set(replica, (granted.get(replica) ?? 0) + 1);
        else refused = answer;
      }
    })));
    const seconds = (Date.now() - started) / 1000;
    const total = (granted.get(one) ?? 0) + (granted.get(two) ?? 0);
    // The bucket's 600 plus what it refilled meanwhile (10 a second), give or take one lease per replica.
    expect(total).toBeGreaterThanOrEqual(600 - 2 * 10);
    expect(total).toBeLessThanOrEqual(600 + Math.ceil(10 * seconds) + 2 * 10);
    expect(granted.get(two)).toBeGreaterThan(100);
    expect(refused?.statusCode).toBe(429);
    expect(refused?.headers).toMatchObject({ 'ratelimit-limit': '600', 'ratelimit-remaining': '0', 'retry-after': '1' });
  });

  it('puts the headers on error answers too, and none on public routes', async () => {
    const { app, issueKey } = await gateway();
    const key = await issueKey({ rateLimitPerMinute: 50 });
    const missing = await app.inject({ method: 'GET', url: '/v1/customers/cus_1/bills/2031-02', headers: { authorization: key.authorization } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['ratelimit-limit']).toBe('50');
    const health = await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: undefined } });
    expect(health.statusCode).toBe(200);
    expect(health.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('idempotency keys belong to the API key that sent them', () => {
  it('gives two API keys using the same Idempotency-Key two independent results', async () => {
    const { app, issueKey, bills } = await gateway();
    const first = await issueKey();
    const second = await issueKey();
    const create = (key: { authorization: string }, customerId: string) => app.inject({
      method: 'POST', url: `/v1/customers/${customerId}/bills`, payload: BILL,
      headers: { authorization: key.authorization, 'idempotency-key': 'shared-key-1' },
    });
    const a = await create(first, 'cus_a');
    const b = await create(second, 'cus_b');
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().customerId).toBe('cus_a');
    expect(b.json().customerId).toBe('cus_b');
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    const replay = await create(first, 'cus_a');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(a.body);
    expect(bills.calls.createBill).toBe(2);
  });
});

describe('secrets in logs', () => {
  it('logs no key: not the admin key, not an issued one, not a 10 kB header, not one of a refused request', async () => {
    const { app, issueKey, logs } = await gateway();
    const key = await issueKey({ customerId: 'cus_log' });
    const huge = `Bearer bsk_${'x'.repeat(10_240)}`;
    await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: key.authorization } });
    await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: huge } });
    await app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}` });
    await app.inject({ method: 'GET', url: '/v1/rates', headers: { authorization: key.authorization } });
    const text = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(5);
    expect(text).not.toContain(key.key.slice(4));
    expect(text).not.toContain('xxxxxxxxxx');
    expect(text).not.toMatch(/bsk_[A-Za-z0-9_-]{20,}/);
    expect(text).toContain(key.id);
  });
});

describe('a route whose body names the customer', () => {
  it('lets a customer key move money only out of its own wallet (fromCustomerId)', async () => {
    const built = await gateway();
    const key = await built.issueKey({ customerId: 'cus_payer' });
    const transfer = (fromCustomerId: unknown) => built.app.inject({
      method: 'POST', url: '/v1/transfers', payload: { fromCustomerId, toCustomerId: 'cus_payee', amount: '1.00', currency: 'USD' },
      headers: { authorization: key.authorization },
    });
    expect((await transfer('cus_payer')).statusCode).toBe(201);
    expect((await transfer('cus_payee')).statusCode).toBe(403);
    expect((await transfer(undefined)).statusCode).toBe(403);
    const asPlatform = await built.app.inject({
      method: 'POST', url: '/v1/transfers', payload: { fromCustomerId: 'cus_payee', toCustomerId: 'cus_payer', amount: '1.00', currency: 'USD' },
    });
    expect(asPlatform.statusCode).toBe(201);
  });
});

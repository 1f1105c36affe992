import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '@billing/db';
import { keyedDatabase, keyedGateway, type KeyedDatabase, type KeyedGateway } from './support/keyed-gateway.ts';

// The webhook endpoint routes through the gateway, over bill-service's own WebhookService on an
// embedded PostgreSQL, with private URLs refused (the default). Endpoints use a public address
// literal, so no name has to resolve. The same routes against the running system are covered in
// tests/system.

const PUBLIC_URL = 'https://93.184.215.14/hooks';

let database: KeyedDatabase;
let gateway: KeyedGateway;

beforeAll(async () => {
  database = await keyedDatabase();
  gateway = await keyedGateway(database.db);
}, 120_000);

afterAll(async () => {
  await gateway?.app.close();
  await database?.close();
});

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  customerId: string | null;
  description: string | null;
  ordered: boolean;
  disabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

async function send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options: { body?: unknown; authorization?: string } = {}) {
  const answer = await gateway.app.inject({
    method, url,
    ...(options.authorization === undefined ? {} : { headers: { authorization: options.authorization } }),
    ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
  });
  return { status: answer.statusCode, json: answer.body === '' ? undefined : answer.json(), text: answer.body };
}

async function endpointCount(): Promise<number> {
  return Number((await database.db('webhook_endpoints').count({ n: '*' }))[0]?.n);
}

describe('webhook endpoints with a platform key', () => {
  it('registers an endpoint with its secret once, then reads, changes, rotates and deletes it', async () => {
    const created = await send('POST', '/v1/webhook-endpoints', {
      body: { url: PUBLIC_URL, events: ['bill.closed', 'mandate.collection_failed'], customerId: 'cus_wh_1', description: 'Accounting' },
    });
    expect(created.status, created.text).toBe(201);
    const { secret, ...endpoint } = created.json as Endpoint & { secret: string };
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(endpoint).toMatchObject({
      url: PUBLIC_URL, events: ['bill.closed', 'mandate.collection_failed'], customerId: 'cus_wh_1', description: 'Accounting',
      ordered: true, disabled: false, disabledReason: null, failingSince: null,
    });
    expect(endpoint.id).toMatch(/^we_[0-9a-f]{32}$/);

    const read = await send('GET', `/v1/webhook-endpoints/${endpoint.id}`);
    expect(read.json).toEqual(endpoint);
    expect(read.text).not.toContain('whsec_');
    const listed = await send('GET', '/v1/webhook-endpoints?customerId=cus_wh_1');
    expect(listed.json).toEqual({ items: [endpoint], nextCursor: null });

    const patched = await send('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { body: { disabled: true, events: ['*'], description: null } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ disabled: true, disabledReason: 'manual', events: ['*'], description: null, url: PUBLIC_URL });

    const rotated = await send('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { body: { overlapSeconds: 600 } });
    expect(rotated.status, rotated.text).toBe(200);
    const rotation = rotated.json as { id: string; secret: string; previousSecretExpiresAt: string };
    expect(rotation.id).toBe(endpoint.id);
    expect(rotation.secret).toMatch(/^whsec_/);
    expect(rotation.secret).not.toBe(secret);
    expect(Math.abs(Date.parse(rotation.previousSecretExpiresAt) - (Date.now() + 600_000))).toBeLessThan(60_000);
    // No body: the default overlap of a day.
    const defaulted = await gateway.app.inject({ method: 'POST', url: `/v1/webhook-endpoints/${endpoint.id}/rotate-secret` });
    expect(defaulted.statusCode, defaulted.body).toBe(200);
    expect(Math.abs(Date.parse(defaulted.json().previousSecretExpiresAt) - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    expect((await send('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { body: { overlapSeconds: 604_801 } })).status).toBe(400);

    const deleted = await send('DELETE', `/v1/webhook-endpoints/${endpoint.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await send('GET', `/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
    expect((await send('DELETE', `/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it('refuses loopback, private and http URLs, unknown event types and malformed fields with a 400 naming them, writing nothing', async () => {
    const before = await endpointCount();
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ url: 'https://127.0.0.1/hook' }, 'url: webhook address 127.0.0.1 is not a public address'],
      [{ url: 'https://169.254.169.254/latest/meta-data' }, 'url: webhook address 169.254.169.254 is not a public address'],
      [{ url: 'http://93.184.215.14/hook' }, 'url: must use https'],
      [{ url: 'https://user:pw@93.184.215.14/hook' }, 'url: must not carry credentials'],
      [{ url: '/relative' }, 'url: must be an absolute URL'],
      [{ events: ['*', 'bill.closed'] }, 'events: "*" (every type) must be the only entry'],
    ];
    for (const [change, message] of refusals) {
      const answer = await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['bill.closed'], ...change } });
      expect(answer.status, message).toBe(400);
      expect(answer.json).toMatchObject({ code: 'invalid_argument' });
      expect((answer.json as { message: string }).message).toContain(message);
    }
    const schemaRefusals: Array<[Record<string, unknown>, string]> = [
      [{ events: ['bill.exploded'] }, 'events[0]'],
      [{ events: [] }, 'events'],
      [{ url: 12 }, 'url'],
      [{ url: 'x'.repeat(2_049) }, 'url'],
      [{ ordered: 'yes' }, 'ordered'],
      [{ secret: 'whsec_mine' }, 'secret'],
      [{ customerId: "cus'; DROP TABLE webhook_endpoints;--" }, 'customerId'],
    ];
    for (const [change, field] of schemaRefusals) {
      const answer = await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['bill.closed'], ...change } });
      expect(answer.status, field).toBe(400);
      expect((answer.json as { details: Array<{ field: string }> }).details.map((detail) => detail.field), JSON.stringify(change)).toContain(field);
    }
    expect(await endpointCount()).toBe(before);

    const created = await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['*'], customerId: 'cus_wh_2' } });
    const id = (created.json as Endpoint).id;
    const patched = await send('PATCH', `/v1/webhook-endpoints/${id}`, { body: { url: 'https://10.0.0.5/hook', ordered: false } });
    expect(patched.status).toBe(400);
    expect((patched.json as { message: string }).message).toContain('url: webhook address 10.0.0.5 is not a public address');
    expect((await send('GET', `/v1/webhook-endpoints/${id}`)).json).toMatchObject({ url: PUBLIC_URL, ordered: true });
    expect((await send('GET', '/v1/webhook-endpoints/we_123')).status).toBe(400);
  });
});

describe('webhook endpoints with a customer key', () => {
  it('creates and lists only its own customer\'s endpoints, and finds no other', async () => {
    const mine = await gateway.issueKey({ customerId: 'cus_wh_mine' });
    const foreign = (await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['*'], customerId: 'cus_wh_theirs' } })).json as Endpoint;
    const platform = (await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['*'] } })).json as Endpoint;
    expect(platform.customerId).toBeNull();

    const calls = gateway.calls.count;
    const before = await endpointCount();
    const named = await send('POST', '/v1/webhook-endpoints', { authorization: mine.authorization, body: { url: PUBLIC_URL, events: ['*'], customerId: 'cus_wh_theirs' } });
    expect(named.status).toBe(403);
    expect(named.json).toMatchObject({ code: 'permission_denied' });
    expect((await send('GET', '/v1/webhook-endpoints?customerId=cus_wh_theirs', { authorization: mine.authorization })).status).toBe(403);
    expect(gateway.calls.count).toBe(calls);
    expect(await endpointCount()).toBe(before);

    // Leaving the customer out means its own.
    const own = await send('POST', '/v1/webhook-endpoints', { authorization: mine.authorization, body: { url: PUBLIC_URL, events: ['bill.closed'] } });
    expect(own.status, own.text).toBe(201);
    const ownEndpoint = own.json as Endpoint;
    expect(ownEndpoint.customerId).toBe('cus_wh_mine');
    for (const url of ['/v1/webhook-endpoints', '/v1/webhook-endpoints?customerId=cus_wh_mine']) {
      const listed = await send('GET', url, { authorization: mine.authorization });
      expect(listed.status).toBe(200);
      expect((listed.json as { items: Endpoint[] }).items.map((item) => item.id)).toEqual([ownEndpoint.id]);
    }
    expect((await send('GET', `/v1/webhook-endpoints/${ownEndpoint.id}`, { authorization: mine.authorization })).status).toBe(200);

    for (const other of [foreign, platform]) {
      const path = `/v1/webhook-endpoints/${other.id}`;
      expect((await send('GET', path, { authorization: mine.authorization })).status, path).toBe(404);
      expect((await send('PATCH', path, { authorization: mine.authorization, body: { disabled: true } })).status).toBe(404);
      expect((await send('DELETE', path, { authorization: mine.authorization })).status).toBe(404);
      expect((await send('POST', `${path}/rotate-secret`, { authorization: mine.authorization, body: {} })).status).toBe(404);
      expect((await send('GET', `${path}/deliveries`, { authorization: mine.authorization })).status).toBe(404);
      expect((await send('POST', `${path}/deliveries/wd_${'0'.repeat(32)}/retry`, { authorization: mine.authorization })).status).toBe(404);
    }
    expect((await send('GET', `/v1/webhook-endpoints/${foreign.id}`)).json).toMatchObject({ disabled: false });
    expect((await send('DELETE', `/v1/webhook-endpoints/${platform.id}`)).status).toBe(204);
  });
});

describe('webhook deliveries', () => {
  it('lists an endpoint\'s deliveries newest first and sends a failed one again', async () => {
    const endpoint = (await send('POST', '/v1/webhook-endpoints', { body: { url: PUBLIC_URL, events: ['ledger.entry_posted'], customerId: 'cus_wh_deliveries' } })).json as Endpoint;
    await database.db.transaction((trx) => recordEvents(trx, [
      { type: 'ledger.entry_posted', customerId: 'cus_wh_deliveries', data: { n: 1 } },
      { type: 'bill.created', customerId: 'cus_wh_deliveries', data: { n: 2 } },
      { type: 'ledger.entry_posted', customerId: 'cus_wh_deliveries', data: { n: 3 } },
    ]));
    const first = await send('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=1`);
    expect(first.status, first.text).toBe(200);
    const page = first.json as { items: Array<{ id: string; eventId: string; status: string; attempts: unknown[] }>; nextCursor: string };
    expect(page.items).toHaveLength(1);
    const second = (await send('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?cursor=${page.nextCursor}`)).json as typeof page;
    expect(second.nextCursor).toBeNull();
    const [newest, oldest] = [page.items[0]!, second.items[0]!];
    expect(second.items).toHaveLength(1);
    expect(newest).toMatchObject({ status: 'pending', attemptCount: 0, attempts: [], completedAt: null });

    await database.db('webhook_deliveries').where('id', oldest.id).update({ status: 'failed', attempt_count: 1, completed_at: database.db.fn.now() });
    await database.db('webhook_attempts').insert({
      delivery_id: oldest.id, attempt: 1, started_at: new Date('2031-01-01T00:00:00Z'), duration_ms: 31, status_code: 503, response_body: 'busy',
    });
    const failed = (await send('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).json as { items: Array<Record<string, unknown>> };
    expect(failed.items[1]).toMatchObject({
      id: oldest.id, eventType: 'ledger.entry_posted', status: 'failed', attemptCount: 1, nextAttemptAt: null,
      attempts: [{ attempt: 1, startedAt: '2031-01-01T00:00:00.000Z', durationMs: 31, statusCode: 503, error: null, responseBody: 'busy', nextRetryAt: null }],
    });

    const retried = await send('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/${oldest.id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json).toMatchObject({ id: oldest.id, status: 'pending', completedAt: null, attemptCount: 1 });
    expect(Math.abs(Date.parse((retried.json as { nextAttemptAt: string }).nextAttemptAt) - Date.now())).toBeLessThan(60_000);
    expect((await send('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/wd_${'0'.repeat(32)}/retry`)).status).toBe(404);
    expect((await send('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/nope/retry`)).status).toBe(400);

    await send('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { body: { disabled: true } });
    const disabled = await send('POST', `/v1/webhook-endpoints/${endpoint.id}/deliveries/${oldest.id}/retry`);
    expect(disabled.status).toBe(409);
    expect(disabled.json).toMatchObject({ code: 'failed_precondition' });
  });
});

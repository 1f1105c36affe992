import { describe, expect, inject, it } from 'vitest';
import { call, newCustomer } from './bills-api.ts';
import { grpcurl } from '@billing/devstack';
import { answered, withServiceToken } from './grpcurl.ts';

// Webhook endpoint management through the real gateway and bill-service (WebhookService) on
// PostgreSQL. The stack allows private URLs, as `npm start` does, so a loopback receiver may be
// registered; what is sent to it is covered with the delivery tests.

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  customerId: string | null;
  description: string | null;
  ordered: boolean;
  disabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

async function customerKey(customerId: string): Promise<string> {
  const created = await call<{ key: string }>('POST', '/v1/api-keys', { body: { name: `webhooks ${customerId}`, customerId } });
  expect(created.status, created.text).toBe(201);
  return `Bearer ${created.json.key}`;
}

describe('webhook endpoints through the gateway', () => {
  it('creates, lists, changes, rotates the secret of and deletes an endpoint', async () => {
    const customer = newCustomer('wh');
    const created = await call<Endpoint & { secret: string }>('POST', '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hooks/billing', events: ['bill.closed', 'ledger.entry_posted'], customerId: customer, ordered: false },
    });
    expect(created.status, created.text).toBe(201);
    const { secret, ...endpoint } = created.json;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(endpoint).toMatchObject({
      url: 'http://127.0.0.1:9/hooks/billing', events: ['bill.closed', 'ledger.entry_posted'], customerId: customer,
      ordered: false, disabled: false, disabledReason: null, description: null,
    });

    const listed = await call<{ items: Endpoint[]; nextCursor: string | null }>('GET', `/v1/webhook-endpoints?customerId=${customer}`);
    expect(listed.json).toEqual({ items: [endpoint], nextCursor: null });
    expect(listed.text).not.toContain(secret);

    const patched = await call<Endpoint>('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, {
      body: { disabled: true, description: 'paused while the receiver moves', events: ['*'] }, key: `wh-patch-${customer}`,
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ disabled: true, disabledReason: 'manual', description: 'paused while the receiver moves', events: ['*'] });
    const enabled = await call<Endpoint>('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { body: { disabled: false } });
    expect(enabled.json).toMatchObject({ disabled: false, disabledReason: null });

    const rotated = await call<{ secret: string; previousSecretExpiresAt: string }>('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      body: { overlapSeconds: 3_600 },
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    expect(Date.parse(rotated.json.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 3_000_000);

    const deliveries = await call<{ items: unknown[]; nextCursor: string | null }>('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`);
    expect(deliveries.json).toEqual({ items: [], nextCursor: null });

    // The same endpoint over gRPC, as grpcurl shows it.
    const viaGrpc = JSON.parse(answered(await grpcurl(inject('billServiceAddress'), ['billing.v1.WebhookService/GetWebhookEndpoint'], {
      data: { id: endpoint.id }, headers: withServiceToken(inject('serviceToken')),
    }))) as { endpoint: { id: string; customerId: string } };
    expect(viaGrpc.endpoint).toMatchObject({ id: endpoint.id, customerId: customer });

    expect((await call('DELETE', `/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhook-endpoints/${endpoint.id}`)).status).toBe(404);
  });

  it('refuses a URL that is not http or https, and an unknown event type, with a 400 naming the field', async () => {
    const customer = newCustomer('wh-bad');
    const scheme = await call<{ code: string; message: string }>('POST', '/v1/webhook-endpoints', {
      body: { url: 'ftp://127.0.0.1/hook', events: ['*'], customerId: customer },
    });
    expect(scheme.status).toBe(400);
    expect(scheme.json).toMatchObject({ code: 'invalid_argument', message: 'url: must use https or http' });
    const type = await call<{ details: Array<{ field: string }> }>('POST', '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['bill.paid'], customerId: customer },
    });
    expect(type.status).toBe(400);
    expect(type.json.details.map((detail) => detail.field)).toEqual(['events[0]']);
    expect((await call<{ items: unknown[] }>('GET', `/v1/webhook-endpoints?customerId=${customer}`)).json.items).toEqual([]);
  });

  it('lets a customer key manage only its own customer\'s endpoints', async () => {
    const mine = newCustomer('wh-mine');
    const theirs = newCustomer('wh-theirs');
    const key = await customerKey(mine);
    const foreign = await call<Endpoint>('POST', '/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/theirs', events: ['*'], customerId: theirs } });
    expect(foreign.status).toBe(201);

    const own = await call<Endpoint>('POST', '/v1/webhook-endpoints', { authorization: key, body: { url: 'http://127.0.0.1:9/mine', events: ['bill.closed'] } });
    expect(own.status, own.text).toBe(201);
    expect(own.json.customerId).toBe(mine);
    expect((await call('POST', '/v1/webhook-endpoints', { authorization: key, body: { url: 'http://127.0.0.1:9/x', events: ['*'], customerId: theirs } })).status)
      .toBe(403);
    const listed = await call<{ items: Endpoint[] }>('GET', '/v1/webhook-endpoints', { authorization: key });
    expect(listed.json.items.map((item) => item.id)).toEqual([own.json.id]);
    expect((await call('GET', `/v1/webhook-endpoints?customerId=${theirs}`, { authorization: key })).status).toBe(403);
    expect((await call('GET', `/v1/webhook-endpoints/${foreign.json.id}`, { authorization: key })).status).toBe(404);
    expect((await call('DELETE', `/v1/webhook-endpoints/${foreign.json.id}`, { authorization: key })).status).toBe(404);
    expect((await call('DELETE', `/v1/webhook-endpoints/${own.json.id}`, { authorization: key })).status).toBe(204);
    expect((await call('DELETE', `/v1/webhook-endpoints/${foreign.json.id}`)).status).toBe(204);
  });
});

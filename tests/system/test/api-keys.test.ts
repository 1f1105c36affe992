import { describe, expect, inject, it } from 'vitest';
import { call, futurePeriod, newCustomer, type Bill } from './bills-api.ts';
import { grpcurl } from '@billing/devstack';
import { withServiceToken } from './grpcurl.ts';

// API keys end to end: the real gateway, bill-service, rates-service and worker.

async function customerKey(customerId: string): Promise<{ id: string; authorization: string }> {
  const created = await call<{ id: string; key: string }>('POST', '/v1/api-keys', { body: { name: `system ${customerId}`, customerId } });
  expect(created.status).toBe(201);
  return { id: created.json.id, authorization: `Bearer ${created.json.key}` };
}

describe('a customer key through the real gateway', () => {
  it('runs its own bill through its whole life: open, add, read, list, close', async () => {
    const customer = newCustomer('keyed');
    const period = futurePeriod();
    const { authorization } = await customerKey(customer);
    const as = { authorization };
    const opened = await call<Bill>('POST', `/v1/customers/${customer}/bills`, { ...as, body: { currency: 'USD', billingPeriod: period } });
    expect(opened.status).toBe(201);
    expect(opened.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
    const added = await call<Bill>('POST', `/v1/customers/${customer}/bills/${period}/items`, {
      ...as, key: 'keyed-item-1', body: { description: 'Seats', quantity: '3', unitPrice: '2.50' },
    });
    expect(added.status).toBe(201);
    expect(added.json.total).toEqual({ amount: '7.50', currency: 'USD' });
    expect((await call('GET', `/v1/customers/${customer}/bills/${period}/items`, as)).status).toBe(200);
    expect((await call('GET', `/v1/customers/${customer}/bills`, as)).status).toBe(200);
    expect((await call('GET', '/v1/rates/USD/GEL', as)).status).toBe(200);
    const closed = await call<Bill>('POST', `/v1/customers/${customer}/bills/${period}/close`, as);
    expect([200, 202]).toContain(closed.status);
    expect((await call<Bill>('GET', `/v1/customers/${customer}/bills/${period}`, as)).json.total).toEqual({ amount: '7.50', currency: 'USD' });
  });

  it('is refused on another customer, existing or not, and on key management; a revoked key is refused everywhere', async () => {
    const mine = newCustomer('mine');
    const theirs = newCustomer('theirs');
    const period = futurePeriod();
    expect((await call('POST', `/v1/customers/${theirs}/bills`, { body: { currency: 'USD', billingPeriod: period } })).status).toBe(201);
    const key = await customerKey(mine);
    const as = { authorization: key.authorization };
    for (const path of [`/v1/customers/${theirs}/bills/${period}`, `/v1/customers/${newCustomer('nobody')}/bills`, '/v1/api-keys']) {
      const refused = await call('GET', path, as);
      expect(refused.status, path).toBe(403);
      expect(refused.json).toMatchObject({ code: 'permission_denied' });
    }
    expect((await call('DELETE', `/v1/api-keys/${key.id}`)).status).toBe(200);
    await expect.poll(async () => (await call('GET', '/v1/rates', as)).status, { timeout: 5_000 }).toBe(401);
  });

  it('answers 401 with WWW-Authenticate to a request without a key', async () => {
    const answer = await call('GET', '/v1/rates', { authorization: '' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('the services behind the gateway', () => {
  const token = inject('serviceToken');
  /** 'OK', or grpcurl's account of the refusal. */
  const grpcFailure = async (address: string, method: string, data: unknown, headers: Record<string, string> = {}) => {
    const result = await grpcurl(address, [method], { data, headers });
    return result.exitCode === 0 ? 'OK' : result.stderr;
  };

  it('refuse a business call without the service credential with Unauthenticated', async () => {
    const bills = await grpcFailure(inject('billServiceAddress'), 'billing.v1.BillService/GetBill', { customerId: 'c1', billingPeriod: futurePeriod() });
    expect(bills).toContain('Unauthenticated');
    const rates = await grpcFailure(inject('ratesServiceAddress'), 'rates.v1.RatesService/GetRate', { base: 'USD', quote: 'GEL' });
    expect(rates).toContain('Unauthenticated');
  });

  it('refuse a call with the credential but another customer\'s scope with PermissionDenied', async () => {
    const scoped = { ...withServiceToken(token), 'x-billing-key-id': 'key_system', 'x-billing-customer-id': 'cus-a' };
    const answer = await grpcFailure(inject('billServiceAddress'), 'billing.v1.BillService/GetBill', { customerId: 'cus-b', billingPeriod: futurePeriod() }, scoped);
    expect(answer).toContain('PermissionDenied');
    // Rates name no customer: any key's scope may read them.
    expect(await grpcFailure(inject('ratesServiceAddress'), 'rates.v1.RatesService/GetRate', { base: 'USD', quote: 'GEL' }, scoped)).toBe('OK');
  });
});

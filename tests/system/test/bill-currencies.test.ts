import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { startStack, type Stack } from '@billing/devstack';
import { billPath, call, createBill, futurePeriod, newCustomer } from './bills-api.ts';

// Bills, items, mandates and rates are ISO 4217 money: through the real gateway, a registered
// non-fiat unit is a 400 that says so, and a deployment's BILL_CURRENCIES list is enforced.

interface ErrorBody {
  code: string;
  message: string;
}

async function rowsFor(table: 'bills' | 'mandates', customerId: string): Promise<number> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    const result = await client.query(`select count(*)::int as count from ${table} where customer_id = $1`, [customerId]);
    return (result.rows[0] as { count: number }).count;
  } finally {
    await client.end();
  }
}

const MANDATE = { description: 'Gym membership', amount: '25', frequency: 'MONTHLY', firstCollectionDate: '2031-01-31' };

describe('with the default units (BTC, ETH, POINTS) and every ISO 4217 currency accepted', () => {
  it('answers a BTC bill with 400 saying it is a non-fiat unit, and writes nothing', async () => {
    const customer = newCustomer('btc-bill');
    const answer = await call<ErrorBody>('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'BTC', billingPeriod: futurePeriod() } });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 'invalid_argument',
      message: 'currency: BTC is a registered non-fiat unit; bills take ISO 4217 currencies only',
      details: [],
    });
    expect(await rowsFor('bills', customer)).toBe(0);
  });

  it('answers a POINTS line item with 400 saying it is a non-fiat unit, and adds nothing', async () => {
    const customer = newCustomer('points-item');
    const period = futurePeriod();
    await createBill(customer, period, 'USD');
    const answer = await call<ErrorBody>('POST', `${billPath(customer, period)}/items`, {
      body: { description: 'Loyalty reward', amount: '100', currency: 'POINTS' }, key: 'points-1',
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'invalid_argument',
      message: 'currency: POINTS is a registered non-fiat unit; bills and their items take ISO 4217 currencies only',
    });
    expect((await call<{ itemCount: number }>('GET', billPath(customer, period))).json.itemCount).toBe(0);
  });

  it('answers a rate asked in ETH with 400 saying it is a non-fiat unit', async () => {
    const answer = await call<ErrorBody>('GET', '/v1/rates/ETH/USD');
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'invalid_argument',
      message: 'ETH in base is a registered non-fiat unit; rates take ISO 4217 currencies only',
    });
  });

  it('answers a BTC mandate with 400 saying it is a non-fiat unit, and writes nothing', async () => {
    const customer = newCustomer('btc-mandate');
    const answer = await call<ErrorBody>('POST', `/v1/customers/${customer}/mandates`, { body: { ...MANDATE, currency: 'BTC' } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'invalid_argument',
      message: 'currency: BTC is a registered non-fiat unit; mandates take ISO 4217 currencies only',
    });
    expect(await rowsFor('mandates', customer)).toBe(0);
  });

  it('answers a well-shaped code that is neither a currency nor a unit as not ISO 4217', async () => {
    const answer = await call<ErrorBody>('POST', `/v1/customers/${newCustomer('xyz')}/bills`, { body: { currency: 'XYZ', billingPeriod: futurePeriod() } });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 'invalid_argument', message: 'currency: "XYZ" is not an ISO 4217 currency' });
  });
});

describe('with BILL_CURRENCIES=USD,EUR', () => {
  // bill-service and the gateway of a deployment that restricts its bill currencies, over the
  // suite's PostgreSQL, Temporal, rates-service and worker.
  let stack: Stack;
  let gateway: string;

  beforeAll(async () => {
    stack = await startStack({
      databaseUrl: inject('databaseUrl'),
      temporalAddress: inject('temporalAddress'),
      apps: ['bill-service', 'gateway'],
      // The suite's rates-service takes the suite's service credential.
      env: {
        BILL_CURRENCIES: 'USD,EUR', RATES_SERVICE_URL: `http://${inject('ratesServiceAddress')}`, LOG_LEVEL: 'warn',
        BILLING_SERVICE_TOKEN: inject('serviceToken'),
      },
    });
    gateway = stack.gatewayUrl;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function post(path: string, body: Record<string, unknown>, key?: string) {
    const response = await fetch(`${gateway}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as ErrorBody & Record<string, unknown> };
  }

  it('answers a GEL bill with 400 naming USD and EUR, and writes nothing', async () => {
    const customer = newCustomer('gel-bill');
    const answer = await post(`/v1/customers/${customer}/bills`, { currency: 'GEL', billingPeriod: futurePeriod() });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 'invalid_argument',
      message: 'currency: GEL is not accepted on bills here; accepted currencies: EUR, USD',
      details: [],
    });
    expect(await rowsFor('bills', customer)).toBe(0);
  });

  it('opens a USD bill, takes a EUR item into it and refuses a GEL one naming the list', async () => {
    const customer = newCustomer('usd-bill');
    const period = futurePeriod();
    expect((await post(`/v1/customers/${customer}/bills`, { currency: 'USD', billingPeriod: period })).status).toBe(201);
    const items = `/v1/customers/${customer}/bills/${period}/items`;
    expect((await post(items, { description: 'Seats', amount: '4.00', currency: 'EUR' }, 'eur-1')).status).toBe(201);
    const gel = await post(items, { description: 'Fee', amount: '1.00', currency: 'GEL' }, 'gel-1');
    expect(gel.status).toBe(400);
    expect(gel.json.message).toBe('currency: GEL is not accepted on bills and their items here; accepted currencies: EUR, USD');
  });

  it('answers a GEL mandate with 400 naming the list', async () => {
    const customer = newCustomer('gel-mandate');
    const answer = await post(`/v1/customers/${customer}/mandates`, { ...MANDATE, currency: 'GEL' });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toBe('currency: GEL is not accepted on mandates here; accepted currencies: EUR, USD');
    expect(await rowsFor('mandates', customer)).toBe(0);
  });
});

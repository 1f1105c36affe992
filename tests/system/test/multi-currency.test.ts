import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { convert, parseMoney, toDecimalString } from '@billing/money';
import { futurePeriod } from './bills-api.ts';
import { chaosStack } from './chaos-stack.ts';

async function post(base: string, path: string, body: Record<string, unknown>, key?: string, extra: Record<string, unknown> = {}) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: admin, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ ...body, ...extra }),
  });
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

// On the chaos project's stack: these tests stop and restart the rates service.
const stack = chaosStack();
const gateway = stack.gatewayUrl;
const admin = `Bearer ${stack.adminApiKey}`;

interface Item {
  idempotencyKey: string;
  amount: { amount: string; currency: string };
  convertedAmount: { amount: string; currency: string } | null;
  exchangeRate: { rate: string; source: string; asOf: string } | null;
}
interface Bill {
  status: string;
  itemCount: number;
  total: { amount: string; currency: string };
  subtotalsByCurrency: Array<{ amount: string; currency: string }>;
  items: Item[];
}

async function rate(base: string, quote: string) {
  return json<{ rate: string; source: string; asOf: string }>(await fetch(`${gateway}/v1/rates/${base}/${quote}`, { headers: { authorization: admin } }));
}

describe('a GEL bill with items in other currencies', () => {
  it('converts each item once, half-even, at the rate the rates service reported, and keeps subtotals per currency', async () => {
    const customer = `mc-${Date.now()}`;
    const period = futurePeriod();
    expect((await post(gateway, `/v1/customers/${customer}/bills`, { currency: 'GEL', billingPeriod: period })).status).toBe(201);
    const items = `/v1/customers/${customer}/bills/${period}/items`;

    const usdRate = await rate('USD', 'GEL');
    const usd = await post(gateway, items, { description: 'USD fee', amount: '10.05' }, 'mc-usd', { currency: 'USD' });
    expect(usd.status).toBe(201);
    const usdItem = (await json<Bill>(usd)).items[0] as Item;
    expect(usdItem.exchangeRate).toEqual({ rate: usdRate.rate, source: usdRate.source, asOf: usdRate.asOf });
    const usdExpected = toDecimalString(convert(parseMoney('10.05', 'USD'), usdRate.rate, 'GEL'));
    expect(usdItem.convertedAmount).toEqual({ amount: usdExpected, currency: 'GEL' });

    const eurRate = await rate('EUR', 'GEL');
    const eur = await post(gateway, items, { description: 'EUR seats', quantity: '3', unitPrice: '1.3333' }, 'mc-eur', { currency: 'EUR' });
    expect(eur.status).toBe(201);
    const eurItem = (await json<Bill>(eur)).items[0] as Item;
    expect(eurItem.amount).toEqual({ amount: '4.00', currency: 'EUR' });
    expect(eurItem.exchangeRate?.rate).toBe(eurRate.rate);
    const eurExpected = toDecimalString(convert(parseMoney('4.00', 'EUR'), eurRate.rate, 'GEL'));
    expect(eurItem.convertedAmount).toEqual({ amount: eurExpected, currency: 'GEL' });

    expect((await post(gateway, items, { description: 'local fee', amount: '1.00' }, 'mc-gel')).status).toBe(201);

    const bill = await json<Bill>(await fetch(`${gateway}/v1/customers/${customer}/bills/${period}`, { headers: { authorization: admin } }));
    const expectedTotal = parseMoney(usdExpected, 'GEL').minor + parseMoney(eurExpected, 'GEL').minor + 100n;
    expect(parseMoney(bill.total.amount, 'GEL').minor).toBe(expectedTotal);
    expect(bill.subtotalsByCurrency).toEqual([
      { amount: '4.00', currency: 'EUR' }, { amount: '1.00', currency: 'GEL' }, { amount: '10.05', currency: 'USD' },
    ]);
    expect(bill.items.find((item) => item.idempotencyKey === 'mc-gel')).toMatchObject({ convertedAmount: null, exchangeRate: null });

    // Each conversion refers to the rate row it used, kept in PostgreSQL for good.
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT li.idempotency_key, er.base, er.quote, er.rate::text AS rate, er.source
           FROM line_items li JOIN bills b ON b.id = li.bill_id JOIN exchange_rates er ON er.id = li.rate_id
          WHERE b.customer_id = $1 ORDER BY li.seq`, [customer]);
      expect(rows).toEqual([
        { idempotency_key: 'mc-usd', base: 'USD', quote: 'GEL', rate: usdRate.rate, source: usdRate.source },
        { idempotency_key: 'mc-eur', base: 'EUR', quote: 'GEL', rate: eurRate.rate, source: eurRate.source },
      ]);
    } finally {
      await db.end();
    }
  });

  it('rejects an unsupported currency with a 400 naming it, writing nothing', async () => {
    const customer = `mc-bad-${Date.now()}`;
    const period = futurePeriod();
    await post(gateway, `/v1/customers/${customer}/bills`, { currency: 'GEL', billingPeriod: period });
    const response = await post(gateway, `/v1/customers/${customer}/bills/${period}/items`, { description: 'x', amount: '1.00' }, 'bad-ccy', { currency: 'XYZ' });
    expect(response.status).toBe(400);
    expect((await json<{ message: string }>(response)).message).toBe('currency: "XYZ" is not a supported ISO 4217 currency code');
    const bill = await json<Bill>(await fetch(`${gateway}/v1/customers/${customer}/bills/${period}`, { headers: { authorization: admin } }));
    expect(bill.itemCount).toBe(0);
  });

  it('answers 503 for foreign-currency items while the rates service is down, keeps same-currency items working, and recovers without a restart', async () => {
    const customer = `mc-down-${Date.now()}`;
    const period = futurePeriod();
    await post(gateway, `/v1/customers/${customer}/bills`, { currency: 'GEL', billingPeriod: period });
    const items = `/v1/customers/${customer}/bills/${period}/items`;

    await stack.stopApp('rates-service');
    try {
      const foreign = await post(gateway, items, { description: 'USD fee', amount: '2.00' }, 'down-usd', { currency: 'USD' });
      expect(foreign.status).toBe(503);
      expect((await json<{ code: string }>(foreign)).code).toBe('unavailable');
      const local = await post(gateway, items, { description: 'GEL fee', amount: '3.00' }, 'down-gel');
      expect(local.status).toBe(201);
      const during = await json<Bill>(await fetch(`${gateway}/v1/customers/${customer}/bills/${period}`, { headers: { authorization: admin } }));
      expect(during.itemCount).toBe(1);
      expect(during.total).toEqual({ amount: '3.00', currency: 'GEL' });
    } finally {
      await stack.startApp('rates-service');
    }

    const again = await post(gateway, items, { description: 'USD fee', amount: '2.00' }, 'down-usd-retry', { currency: 'USD' });
    expect(again.status).toBe(201);
    const after = await json<Bill>(await fetch(`${gateway}/v1/customers/${customer}/bills/${period}`, { headers: { authorization: admin } }));
    expect(after.itemCount).toBe(2);
  });
});

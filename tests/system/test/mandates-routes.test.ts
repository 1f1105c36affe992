import { describe, expect, inject, it } from 'vitest';
import { call, newCustomer } from './bills-api.ts';
import { grpcurl } from '@billing/devstack';
import { answered, withServiceToken } from './grpcurl.ts';
import { daysAhead, mandatesPath, rowsFor, type Collection, type Mandate } from './mandates-api.ts';

// The mandate routes through the real gateway, bill-service, Temporal and PostgreSQL: what a
// create, a read or a refusal does before any collection. Collecting, and the controls (Updates
// the worker's mandate workflow answers), are in mandates-live.test.ts.

const first = daysAhead(40);
const valid = () => ({ description: 'Gym membership', amount: '25.00', currency: 'EUR', frequency: 'MONTHLY', firstCollectionDate: first });

describe('a mandate through the real gateway and bill-service', () => {
  it('is created (201), readable at once, listed, and has no collections yet', async () => {
    const customer = newCustomer('mnd');
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { ...valid(), timeZone: 'America/New_York', collectionTime: '08:15', endDate: daysAhead(400) },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      customerId: customer, status: 'ACTIVE', amount: { amount: '25.00', currency: 'EUR' }, frequency: 'MONTHLY',
      firstCollectionDate: first, timeZone: 'America/New_York', collectionTime: '08:15', autoExecution: true,
      reminderDaysBefore: 0, pausedUntil: null, collectionsCompleted: 0, lastCollection: null,
    });
    expect(created.json.nextCollections).toHaveLength(3);
    expect(created.json.nextCollections[0]).toBe(first);

    const fetched = await call<Mandate>('GET', `${mandatesPath(customer)}/${created.json.id}?upcoming=100`);
    expect(fetched.status).toBe(200);
    expect(fetched.json.nextCollections.length).toBeGreaterThan(10);
    expect(fetched.json.nextCollections.every((date) => date <= (created.json.endDate ?? ''))).toBe(true);

    const listed = await call<{ items: Mandate[]; nextCursor: string | null }>('GET', `${mandatesPath(customer)}?status=ACTIVE`);
    expect(listed.json).toEqual({ items: [{ ...created.json }], nextCursor: null });
    const collections = await call('GET', `${mandatesPath(customer)}/${created.json.id}/collections`);
    expect(collections.json).toEqual({ items: [], nextCursor: null });
  });

  it('answers a create retried with the same Idempotency-Key with the same mandate, and creates one only', async () => {
    const customer = newCustomer('mnd-key');
    const key = `${customer}-create`;
    const a = await call<Mandate>('POST', mandatesPath(customer), { body: valid(), key });
    const b = await call<Mandate>('POST', mandatesPath(customer), { body: valid(), key });
    expect(b.status).toBe(201);
    expect(b.json).toEqual(a.json);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(await rowsFor('mandates', customer)).toHaveLength(1);
  });

  it('answers 404 for another customer\'s mandate and for one that does not exist', async () => {
    const customer = newCustomer('mnd-own');
    const created = await call<Mandate>('POST', mandatesPath(customer), { body: valid() });
    expect((await call('GET', `${mandatesPath(newCustomer('other'))}/${created.json.id}`)).status).toBe(404);
    const missing = await call<{ code: string }>('GET', `${mandatesPath(customer)}/mnd_doesnotexist`);
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('not_found');
  });

  const edgeInputs: [string, Record<string, unknown>, string][] = [
    ['a missing amount', { amount: undefined }, 'amount'],
    ['a missing firstCollectionDate', { firstCollectionDate: undefined }, 'firstCollectionDate'],
    ['an amount as a JSON number', { amount: 25 }, 'amount'],
    ['"NaN"', { amount: 'NaN' }, 'amount'],
    ['"1e309"', { amount: '1e309' }, 'amount'],
    ['"-0"', { amount: '-0' }, 'amount'],
    ['a zero amount', { amount: '0' }, 'amount'],
    ['a negative amount', { amount: '-25.00' }, 'amount'],
    ['more decimals than the currency has', { amount: '25.001' }, 'amount'],
    ['decimals on JPY', { currency: 'JPY', amount: '2500.5' }, 'amount'],
    ['an unknown currency', { currency: 'ZZZ' }, 'currency'],
    ['a huge description', { description: 'é'.repeat(200_000) }, 'description'],
    ['a description of control characters', { description: '\u0000\u0001' }, 'description'],
    ['a malformed date', { firstCollectionDate: '2031-02-30' }, 'firstCollectionDate'],
    ['a date with a time', { firstCollectionDate: '2031-01-31T00:00:00Z' }, 'firstCollectionDate'],
    ['a past firstCollectionDate', { firstCollectionDate: '2020-01-31' }, 'firstCollectionDate'],
    ['an endDate before firstCollectionDate', { endDate: daysAhead(39) }, 'endDate'],
    ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['a malformed time zone', { timeZone: "UTC'; DROP TABLE mandates; --" }, 'timeZone'],
    ['a collection time of 25:00', { collectionTime: '25:00' }, 'collectionTime'],
    ['reminderDaysBefore -1', { reminderDaysBefore: -1 }, 'reminderDaysBefore'],
    ['a frequency in lower case', { frequency: 'monthly' }, 'frequency'],
  ];
  it.each(edgeInputs)('refuses %s with a 400 naming the field, writing nothing', async (_label, change, field) => {
    const customer = newCustomer('mnd-edge');
    const answer = await call<{ code: string; message: string }>('POST', mandatesPath(customer), { body: { ...valid(), ...change } });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('invalid_argument');
    expect(answer.json.message).toContain(field);
    expect(await rowsFor('mandates', customer)).toEqual([]);
  });

  it.each(['0', '101', 'abc'])('refuses upcoming=%s with a 400 naming upcoming', async (upcoming) => {
    const customer = newCustomer('mnd-up');
    const created = await call<Mandate>('POST', mandatesPath(customer), { body: valid() });
    const answer = await call<{ message: string }>('GET', `${mandatesPath(customer)}/${created.json.id}?upcoming=${upcoming}`);
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain('upcoming');
  });

  it('refuses a change that is malformed before it reaches the workflow', async () => {
    const customer = newCustomer('mnd-patch');
    const created = await call<Mandate>('POST', mandatesPath(customer), { body: valid() });
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    for (const [body, field] of [
      [{ amount: '0' }, 'amount'], [{ endDate: '2020-01-01' }, 'endDate'], [{ currency: 'JPY' }, 'amount'], [{}, 'change'],
      [{ frequency: 'HOURLY' }, 'frequency'],
    ] as const) {
      const answer = await call<{ message: string }>('PATCH', path, { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.message.toLowerCase()).toContain(field === 'change' ? 'at least one' : field.toLowerCase());
    }
    expect((await call<Mandate>('GET', path)).json).toEqual(created.json);
  });
});

describe('POST /v1/payment-simulator/outcomes', () => {
  it('queues outcomes for the customer and refuses a malformed script with nothing queued', async () => {
    const customer = newCustomer('sim');
    const queued = await call<{ queued: number }>('POST', '/v1/payment-simulator/outcomes', {
      body: { customerId: customer, outcomes: [{ outcome: 'DECLINE', reason: 'card expired' }, { outcome: 'SUCCEED' }] },
    });
    expect(queued.status).toBe(200);
    expect(queued.json).toEqual({ queued: 2 });
    const other = newCustomer('sim-bad');
    const refused = await call<{ message: string }>('POST', '/v1/payment-simulator/outcomes', {
      body: { customerId: other, outcomes: [{ outcome: 'DECLINE', reason: 'x'.repeat(201) }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('reason');
    expect(await rowsFor('simulator_script', other)).toEqual([]);
  });
});

describe('grpcurl against the real bill-service', () => {
  it('lists MandateService and PaymentSimulatorService by reflection and creates and reads a mandate', async () => {
    const address = inject('billServiceAddress');
    const services = answered(await grpcurl(address, ['list']));
    expect(services).toContain('billing.v1.MandateService');
    expect(services).toContain('billing.v1.PaymentSimulatorService');
    const customer = newCustomer('grpcurl');
    const request = {
      customerId: customer, description: 'Newsletter', amount: '5.00', currency: 'USD', frequency: 'FREQUENCY_WEEKLY',
      firstCollectionDate: daysAhead(10), autoExecution: true,
    };
    const headers = withServiceToken(inject('serviceToken'));
    const created = JSON.parse(answered(await grpcurl(address, ['billing.v1.MandateService/CreateMandate'], { data: request, headers }))) as { mandate: Mandate };
    expect(created.mandate).toMatchObject({ customerId: customer, status: 'MANDATE_STATUS_ACTIVE', frequency: 'FREQUENCY_WEEKLY' });
    const fetched = JSON.parse(answered(await grpcurl(address, ['billing.v1.MandateService/GetMandate'], {
      data: { customerId: customer, mandateId: created.mandate.id, upcoming: 2 }, headers,
    }))) as { mandate: { nextCollections: string[]; lastCollection?: Collection } };
    expect(fetched.mandate.nextCollections).toEqual([daysAhead(10), daysAhead(17)]);
  });
});

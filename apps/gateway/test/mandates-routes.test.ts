import { Frequency, SimulatedOutcome } from '@billing/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeMandateService } from './support/fake-mandates.ts';
import { buildTestGateway } from './support/in-memory-services.ts';

let gateway: Awaited<ReturnType<typeof buildTestGateway>>;
let fake: ReturnType<typeof fakeMandateService>;
const scripted: unknown[] = [];

beforeEach(async () => {
  fake = fakeMandateService();
  scripted.length = 0;
  gateway = await buildTestGateway({
    mandates: fake.service,
    paymentSimulator: {
      async scriptOutcomes(request) {
        scripted.push(request);
        return { queued: request.outcomes.length };
      },
    },
  });
});
afterEach(async () => {
  await gateway.app.close();
});

const MANDATES = '/v1/customers/cus_1/mandates';
const VALID = { description: 'Gym membership', amount: '25.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: '2031-01-31' };

function send(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return gateway.app.inject({ method, url, payload: payload as object, headers });
}

async function created() {
  const response = await send('POST', MANDATES, VALID);
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string };
}

describe('POST /v1/customers/{customerId}/mandates', () => {
  it('answers 201 with every field of the Mandate shape, absent optionals as null', async () => {
    const response = await send('POST', MANDATES, VALID);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: 'mnd_1', customerId: 'cus_1', status: 'ACTIVE', description: 'Gym membership', amount: { amount: '25.00', currency: 'USD' },
      frequency: 'MONTHLY', firstCollectionDate: '2031-01-31', endDate: null, timeZone: 'UTC', collectionTime: '00:00',
      autoExecution: true, reminderDaysBefore: 0, pausedUntil: null, nextCollections: ['2031-01-31'], collectionsCompleted: 0,
      lastCollection: null, createdAt: '2031-01-05T10:00:00.000Z', updatedAt: '2031-01-05T10:00:00.000Z',
    });
  });

  it('sends the defaults and the Idempotency-Key to MandateService', async () => {
    await send('POST', MANDATES, { ...VALID, frequency: 'QUARTERLY', autoExecution: false, reminderDaysBefore: 5 }, { 'idempotency-key': 'gym-1' });
    expect(fake.requests[0]).toEqual({
      method: 'createMandate',
      request: expect.objectContaining({
        customerId: 'cus_1', idempotencyKey: 'gym-1', frequency: Frequency.QUARTERLY, timeZone: 'UTC', collectionTime: '00:00',
        autoExecution: false, reminderDaysBefore: 5,
      }),
    });
  });

  const edgeCases: [string, Record<string, unknown>, string][] = [
    ['a missing amount', { ...VALID, amount: undefined }, 'amount'],
    ['a missing description', { ...VALID, description: undefined }, 'description'],
    ['a JSON number amount', { ...VALID, amount: 25 }, 'amount'],
    ['"NaN"', { ...VALID, amount: 'NaN' }, 'amount'],
    ['"1e309"', { ...VALID, amount: '1e309' }, 'amount'],
    ['"-0"', { ...VALID, amount: '-0' }, 'amount'],
    ['a zero amount', { ...VALID, amount: '0.00' }, 'amount'],
    ['a negative amount', { ...VALID, amount: '-5.00' }, 'amount'],
    ['a malformed currency', { ...VALID, currency: 'usd' }, 'currency'],
    ['a huge description', { ...VALID, description: 'x'.repeat(100_000) }, 'description'],
    ['a blank description', { ...VALID, description: '   ' }, 'description'],
    ['an unknown frequency', { ...VALID, frequency: 'HOURLY' }, 'frequency'],
    ['a malformed date', { ...VALID, firstCollectionDate: '31/01/2031' }, 'firstCollectionDate'],
    ['a month 13', { ...VALID, firstCollectionDate: '2031-13-01' }, 'firstCollectionDate'],
    ['a malformed end date', { ...VALID, endDate: '2031-1-1' }, 'endDate'],
    ['a malformed time zone', { ...VALID, timeZone: "Europe/Berlin'; DROP TABLE mandates;--" }, 'timeZone'],
    ['a collection time 24:00', { ...VALID, collectionTime: '24:00' }, 'collectionTime'],
    ['reminderDaysBefore 31', { ...VALID, reminderDaysBefore: 31 }, 'reminderDaysBefore'],
    ['autoExecution as a string', { ...VALID, autoExecution: 'yes' }, 'autoExecution'],
    ['an unknown field', { ...VALID, interval: 'monthly' }, 'interval'],
  ];
  it.each(edgeCases)('refuses %s with a 400 naming the field, before any service call', async (_label, body, field) => {
    const response = await send('POST', MANDATES, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'invalid_argument', details: expect.arrayContaining([expect.objectContaining({ field })]) });
    expect(fake.requests).toEqual([]);
  });

  it('refuses a customer id with SQL metacharacters and unicode', async () => {
    for (const customer of ["c'; DROP TABLE mandates;--", 'cüstomer']) {
      const response = await send('POST', `/v1/customers/${encodeURIComponent(customer)}/mandates`, VALID);
      expect(response.statusCode).toBe(400);
      expect(response.json().details[0].field).toBe('customerId');
    }
    expect(fake.requests).toEqual([]);
  });
});

describe('GET /v1/customers/{customerId}/mandates/{mandateId}', () => {
  it('passes upcoming (default 3) and answers 404 for a mandate the customer does not have', async () => {
    const { id } = await created();
    expect((await send('GET', `${MANDATES}/${id}`)).statusCode).toBe(200);
    expect((await send('GET', `${MANDATES}/${id}?upcoming=100`)).statusCode).toBe(200);
    expect(fake.requests.filter((entry) => entry.method === 'getMandate').map((entry) => entry.request.upcoming)).toEqual([3, 100]);
    const missing = await send('GET', `/v1/customers/cus_2/mandates/${id}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('not_found');
  });

  it.each(['0', '101', 'NaN', '1e3', '-0'])('refuses upcoming=%s with a 400 naming upcoming', async (upcoming) => {
    const response = await send('GET', `${MANDATES}/mnd_1?upcoming=${upcoming}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe('upcoming');
  });
});

describe('controls', () => {
  it('PATCH with "endDate": null asks to clear the end date; an empty change is a 400', async () => {
    const { id } = await created();
    const cleared = await send('PATCH', `${MANDATES}/${id}`, { endDate: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().endDate).toBeNull();
    expect(fake.requests.at(-1)?.request).toMatchObject({ clearEndDate: true });
    expect(fake.requests.at(-1)?.request.endDate).toBeUndefined();
    const empty = await send('PATCH', `${MANDATES}/${id}`, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('at least one');
  });

  it('pauses with or without a body, and a pause the service refuses is a 409 failed_precondition', async () => {
    const { id } = await created();
    const paused = await send('POST', `${MANDATES}/${id}/pause`, { resumeOn: '2031-03-01' });
    expect(paused.json()).toMatchObject({ status: 'PAUSED', pausedUntil: '2031-03-01', nextCollections: [] });
    const again = await send('POST', `${MANDATES}/${id}/pause`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('failed_precondition');
    const badDate = await send('POST', `${MANDATES}/${id}/pause`, { resumeOn: 'tomorrow' });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().details[0].field).toBe('resumeOn');
    // Leaving the body out is not sending a JSON null, which is refused like any malformed body.
    const nullBody = await gateway.app.inject({
      method: 'POST', url: `${MANDATES}/${id}/pause`, payload: 'null', headers: { 'content-type': 'application/json' },
    });
    expect(nullBody.statusCode).toBe(400);
  });

  it('passes each control\'s Idempotency-Key on to MandateService, and none as empty', async () => {
    const { id } = await created();
    const key = (n: number) => ({ 'idempotency-key': `control-${n}` });
    await send('PATCH', `${MANDATES}/${id}`, { description: 'Renamed' }, key(1));
    await send('POST', `${MANDATES}/${id}/pause`, {}, key(2));
    await send('POST', `${MANDATES}/${id}/resume`, undefined, key(3));
    await send('POST', `${MANDATES}/${id}/collections/1/approve`, undefined, key(4));
    await send('POST', `${MANDATES}/${id}/cancel`, undefined, key(5));
    await send('POST', `${MANDATES}/${id}/resume`);
    const controls = fake.requests.filter((entry) => entry.method !== 'createMandate');
    expect(controls.map((entry) => [entry.method, entry.request.idempotencyKey])).toEqual([
      ['updateMandate', 'control-1'], ['pauseMandate', 'control-2'], ['resumeMandate', 'control-3'],
      ['approveCollection', 'control-4'], ['cancelMandate', 'control-5'], ['resumeMandate', ''],
    ]);
  });

  it('resumes, cancels and approves, answering the mandate or the collection', async () => {
    const { id } = await created();
    expect((await send('POST', `${MANDATES}/${id}/resume`)).json().status).toBe('ACTIVE');
    const approved = await send('POST', `${MANDATES}/${id}/collections/1/approve`);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toEqual({
      cycle: 1, dueDate: '2031-01-31', status: 'SUCCEEDED', attempts: 1, amount: { amount: '25.00', currency: 'USD' },
      paymentReference: 'sim_1', failureReason: null, collectedAt: '2031-01-05T10:00:00.000Z',
    });
    expect((await send('POST', `${MANDATES}/${id}/cancel`)).json().status).toBe('CANCELLED');
    expect((await send('POST', `${MANDATES}/${id}/collections/0/approve`)).statusCode).toBe(400);
  });

  it('lists mandates and collections as pages', async () => {
    const { id } = await created();
    expect((await send('GET', `${MANDATES}?status=ACTIVE&limit=10`)).json()).toMatchObject({ items: [{ id }], nextCursor: null });
    expect((await send('GET', `${MANDATES}/${id}/collections`)).json()).toEqual({ items: [], nextCursor: null });
    expect((await send('GET', `${MANDATES}?status=OPEN`)).statusCode).toBe(400);
  });
});

describe('POST /v1/payment-simulator/outcomes', () => {
  it('queues outcomes and answers how many are queued', async () => {
    const response = await send('POST', '/v1/payment-simulator/outcomes', {
      customerId: 'cus_1', outcomes: [{ outcome: 'DECLINE', reason: 'insufficient funds' }, { outcome: 'SUCCEED' }],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ queued: 2 });
    expect(scripted).toEqual([expect.objectContaining({
      customerId: 'cus_1',
      outcomes: [
        expect.objectContaining({ outcome: SimulatedOutcome.DECLINE, reason: 'insufficient funds' }),
        expect.objectContaining({ outcome: SimulatedOutcome.SUCCEED }),
      ],
    })]);
  });

  it.each([
    ['no outcomes', { customerId: 'cus_1', outcomes: [] }, 'outcomes'],
    ['101 outcomes', { customerId: 'cus_1', outcomes: Array.from({ length: 101 }, () => ({ outcome: 'SUCCEED' })) }, 'outcomes'],
    ['an unknown outcome', { customerId: 'cus_1', outcomes: [{ outcome: 'MAYBE' }] }, 'outcomes[0].outcome'],
    ['a reason of 201 characters', { customerId: 'cus_1', outcomes: [{ outcome: 'DECLINE', reason: 'r'.repeat(201) }] }, 'outcomes[0].reason'],
    ['a reason with a NUL character', { customerId: 'cus_1', outcomes: [{ outcome: 'DECLINE', reason: 'no\u0000pe' }] }, 'outcomes[0].reason'],
  ])('refuses %s with a 400 naming the field', async (_label, body, field) => {
    const response = await send('POST', '/v1/payment-simulator/outcomes', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(scripted).toEqual([]);
  });
});

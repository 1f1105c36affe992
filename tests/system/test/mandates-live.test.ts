import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { call, newCustomer, type Bill } from './bills-api.ts';
import { daysAhead, mandatesPath, todayUtc, type Collection, type Mandate } from './mandates-api.ts';

// Mandates that actually collect: the worker's mandate workflow, the payment simulator and the
// customer's bill, through the real gateway and bill-service.

/** Polls a mandate until `done` holds for it (a collection runs in the workflow, after the create answered). */
async function waitFor(path: string, done: (mandate: Mandate) => boolean, seconds = 30): Promise<Mandate> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const mandate = (await call<Mandate>('GET', path)).json;
    if (done(mandate) || Date.now() > deadline) return mandate;
    await sleep(250);
  }
}

describe('a mandate whose first collection is today', () => {
  it('collects within seconds and puts the collection on the customer\'s bill for this period', async () => {
    const customer = newCustomer('live');
    const today = todayUtc();
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Gym membership', amount: '25.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, timeZone: 'UTC' },
    });
    expect(created.status).toBe(201);
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    const collected = await waitFor(path, (mandate) => mandate.collectionsCompleted === 1);
    expect(collected).toMatchObject({ status: 'ACTIVE', collectionsCompleted: 1 });
    expect(collected.lastCollection).toMatchObject({
      cycle: 1, dueDate: today, status: 'SUCCEEDED', attempts: 1, amount: { amount: '25.00', currency: 'USD' }, failureReason: null,
    });
    expect(collected.lastCollection?.paymentReference).toEqual(expect.any(String));
    expect(collected.nextCollections[0]).not.toBe(today);

    const collections = await call<{ items: Collection[] }>('GET', `${path}/collections`);
    expect(collections.json.items).toEqual([collected.lastCollection]);
    // The collection is recorded as soon as the money is taken; its bill item follows (the
    // workflow's next activity), so the bill is polled briefly.
    const key = `mandate:${created.json.id}:1`;
    let bill = await call<Bill>('GET', `/v1/customers/${customer}/bills/${today.slice(0, 7)}`);
    for (let tries = 0; tries < 40 && !bill.json.items?.some((item) => item.idempotencyKey === key); tries += 1) {
      await sleep(250);
      bill = await call<Bill>('GET', `/v1/customers/${customer}/bills/${today.slice(0, 7)}`);
    }
    expect(bill.status).toBe(200);
    expect(bill.json.items?.filter((item) => item.idempotencyKey === key)).toEqual([
      expect.objectContaining({ amount: { amount: '25.00', currency: 'USD' } }),
    ]);
  });

  it('takes a scripted decline as a failed attempt, not a collection', async () => {
    const customer = newCustomer('live-decline');
    const scripted = await call('POST', '/v1/payment-simulator/outcomes', {
      body: { customerId: customer, outcomes: [{ outcome: 'DECLINE', reason: 'insufficient funds' }] },
    });
    expect(scripted.status).toBe(200);
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Rent', amount: '900.00', currency: 'EUR', frequency: 'MONTHLY', firstCollectionDate: todayUtc() },
    });
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    const declined = await waitFor(path, (mandate) => mandate.lastCollection?.attempts === 1);
    expect(declined.collectionsCompleted).toBe(0);
    expect(declined.lastCollection).toMatchObject({ cycle: 1, attempts: 1, failureReason: 'insufficient funds', collectedAt: null });
  });
});

describe('controls through the real gateway', () => {
  it('pauses, resumes, changes and cancels a mandate, each answered with the mandate after it', async () => {
    const customer = newCustomer('live-controls');
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Magazine', amount: '9.99', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: daysAhead(20) },
    });
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    const paused = await call<Mandate>('POST', `${path}/pause`, { body: { resumeOn: daysAhead(60) } });
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ status: 'PAUSED', pausedUntil: daysAhead(60) });
    expect(paused.json.nextCollections.every((date) => date >= daysAhead(60))).toBe(true);
    expect((await call<{ code: string }>('POST', `${path}/pause`)).json.code).toBe('failed_precondition');
    expect((await call<Mandate>('POST', `${path}/resume`)).json).toMatchObject({ status: 'ACTIVE', pausedUntil: null });

    const changed = await call<Mandate>('PATCH', `${path}`, { body: { amount: '12.50', endDate: daysAhead(200) } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ amount: { amount: '12.50', currency: 'USD' }, endDate: daysAhead(200) });
    expect((await call<Mandate>('PATCH', path, { body: { endDate: null } })).json.endDate).toBeNull();
    expect((await call<Mandate>('GET', path)).json.amount).toEqual({ amount: '12.50', currency: 'USD' });

    const cancelled = await call<Mandate>('POST', `${path}/cancel`);
    expect(cancelled.json).toMatchObject({ status: 'CANCELLED', nextCollections: [] });
    expect((await call<Mandate>('POST', `${path}/cancel`)).status).toBe(200);
    const late = await call<{ code: string }>('POST', `${path}/resume`);
    expect(late.status).toBe(409);
    expect(late.json.code).toBe('failed_precondition');
  });

  it('answers approving a collection that is not awaiting approval with 409, and a cycle that has not started with 404', async () => {
    const customer = newCustomer('live-approve');
    const created = await call<Mandate>('POST', mandatesPath(customer), {
      body: { description: 'Consulting retainer', amount: '100.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: todayUtc() },
    });
    const path = `${mandatesPath(customer)}/${created.json.id}`;
    // Cycle 1 collects by itself (an automatic mandate): it exists and is not awaiting approval.
    expect((await waitFor(path, (mandate) => mandate.collectionsCompleted === 1)).collectionsCompleted).toBe(1);
    const settled = await call<{ code: string }>('POST', `${path}/collections/1/approve`);
    expect(settled.status).toBe(409);
    expect(settled.json.code).toBe('failed_precondition');
    // Cycle 2 is only scheduled: there is no collection to approve yet.
    const early = await call<{ code: string }>('POST', `${path}/collections/2/approve`);
    expect(early.status).toBe(404);
    expect(early.json.code).toBe('not_found');
  });
});

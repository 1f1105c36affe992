import { setTimeout as sleep } from 'node:timers/promises';
import { eventJson } from '@billing/resources';
import { metricsRegistry } from '@billing/runtime';
import { WEBHOOK_DELIVERIES_CHANNEL } from '@billing/webhooks';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryRepository } from '../src/webhooks/delivery-repository.ts';
import {
  attemptsOf, deliveriesOf, insertEndpoint, newCustomer, startDeliveryTestStack, writeEvents, type DeliveryTestStack,
} from './support/webhooks.ts';

// The dispatcher against a real PostgreSQL and a real HTTP receiver on loopback. Dispatchers here
// poll only once a minute, so a prompt delivery shows that NOTIFY (or a retry's timer) woke them.

let stack: DeliveryTestStack;

beforeAll(async () => {
  stack = await startDeliveryTestStack();
}, 120_000);

afterEach(async () => {
  await stack.stopDispatchers();
});

afterAll(async () => {
  await stack?.stop();
});

async function attemptsCounted(outcome: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('billing_webhook_deliveries_total')?.get();
  return metric?.values.find((value) => value.labels.outcome === outcome)?.value ?? 0;
}

describe('webhook delivery', () => {
  it('delivers each event as the API shows it, signed with every active secret, verifiable by the standardwebhooks package', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/signed'), customerId });
    // A rotation in its overlap: the old secret still signs; one whose overlap has ended does not.
    const old = await insertEndpoint(db, { url: receiver.url('/unused'), customerId: newCustomer() });
    await db('webhook_endpoint_secrets').insert({ endpoint_id: endpoint.id, secret: old.secret.key, created_at: new Date(Date.now() - 60_000), expires_at: new Date(Date.now() + 3_600_000) });
    await db('webhook_endpoint_secrets').insert({ endpoint_id: endpoint.id, secret: 'ZXhwaXJlZC1zZWNyZXQtYnl0ZXMtMDEyMzQ1Njc=', created_at: new Date(Date.now() - 120_000), expires_at: new Date(Date.now() - 1_000) });
    stack.dispatcher();
    const events = await writeEvents(db, customerId, 3);

    await vi.waitFor(() => expect(receiver.received.filter((r) => r.path === '/signed')).toHaveLength(3), { timeout: 10_000 });
    const received = receiver.received.filter((r) => r.path === '/signed');
    expect(received.map((r) => r.id)).toEqual(events.map((event) => event.id));
    for (const [index, webhook] of received.entries()) {
      const headers = webhook.headers as Record<string, string>;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toMatch(/^billing-platform-webhooks\//);
      expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
      const payload = new Webhook(endpoint.secret.display).verify(webhook.body, headers);
      expect(() => new Webhook(old.secret.display).verify(webhook.body, headers)).not.toThrow();
      // The body is the event exactly as GET /v1/events/{id} shows it.
      expect(payload).toEqual(JSON.parse(JSON.stringify(eventJson(events[index]!))));
      expect(payload).toMatchObject({ id: events[index]!.id, type: 'bill.item_added', customerId, data: { n: index + 1 } });
    }
    await vi.waitFor(async () => expect((await deliveriesOf(db, endpoint.id)).map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'succeeded']));
    const [first] = await deliveriesOf(db, endpoint.id);
    expect(await attemptsOf(db, first!.id)).toMatchObject([{ attempt: 1, status_code: 204, error: null, next_retry_at: null }]);
  });

  it('delivers on the third attempt with the same webhook-id when the receiver answers 500, 500, then 200', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/flaky'), customerId });
    receiver.answer('/flaky', (_request, attempt, response) => {
      if (attempt <= 2) response.writeHead(500).end(`down for a moment (${attempt})`);
      else response.writeHead(200).end('ok');
    });
    const [retryingBefore, succeededBefore] = [await attemptsCounted('retrying'), await attemptsCounted('succeeded')];
    stack.dispatcher({ retryScheduleMs: [200, 400] });
    const [event] = await writeEvents(db, customerId, 1);

    await vi.waitFor(async () => expect((await deliveriesOf(db, endpoint.id))[0]?.status).toBe('succeeded'), { timeout: 10_000 });
    const received = receiver.received.filter((r) => r.path === '/flaky');
    expect(received.map((r) => r.id)).toEqual([event!.id, event!.id, event!.id]);
    const [delivery] = await deliveriesOf(db, endpoint.id);
    expect(delivery).toMatchObject({ attempt_count: 3, status: 'succeeded' });
    const attempts = await attemptsOf(db, delivery!.id);
    expect(attempts).toMatchObject([
      { attempt: 1, status_code: 500, error: 'the receiver answered 500', response_body: 'down for a moment (1)' },
      { attempt: 2, status_code: 500, error: 'the receiver answered 500', response_body: 'down for a moment (2)' },
      { attempt: 3, status_code: 200, error: null, response_body: 'ok', next_retry_at: null },
    ]);
    expect(attempts[0]!.next_retry_at).toBeInstanceOf(Date);
    expect(attempts[1]!.next_retry_at).toBeInstanceOf(Date);
    expect(await attemptsCounted('retrying') - retryingBefore).toBe(2);
    expect(await attemptsCounted('succeeded') - succeededBefore).toBe(1);
  });

  it('does not follow a redirect: the 3xx is a failed attempt and the target is never called', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/moved'), customerId });
    receiver.answer('/moved', (_request, _attempt, response) => response.writeHead(302, { location: receiver.url('/landing') }).end());
    stack.dispatcher({ retryScheduleMs: [3_600_000] });
    await writeEvents(db, customerId, 1);

    await vi.waitFor(async () => expect(await attemptsOf(db, (await deliveriesOf(db, endpoint.id))[0]!.id)).toHaveLength(1), { timeout: 10_000 });
    const [delivery] = await deliveriesOf(db, endpoint.id);
    expect(await attemptsOf(db, delivery!.id)).toMatchObject([{ status_code: 302, error: 'redirects are not followed (status 302)' }]);
    expect(delivery!.status).toBe('pending');
    expect(receiver.received.filter((r) => r.path === '/landing')).toHaveLength(0);
  });

  it('refuses at connect a name that resolves to a loopback address when private URLs are not allowed', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    // Stored by SQL: the management API would have refused it at registration.
    const endpoint = await insertEndpoint(db, { url: `https://localhost:${receiver.port}/private`, customerId });
    stack.dispatcher({ allowPrivate: false, retryScheduleMs: [3_600_000] });
    await writeEvents(db, customerId, 1);

    await vi.waitFor(async () => expect(await attemptsOf(db, (await deliveriesOf(db, endpoint.id))[0]!.id)).toHaveLength(1), { timeout: 10_000 });
    const [attempt] = await attemptsOf(db, (await deliveriesOf(db, endpoint.id))[0]!.id);
    expect(attempt).toMatchObject({ status_code: null, response_body: null });
    expect(attempt!.error).toMatch(/^webhook address (127\.0\.0\.1|::1) is not a public address$/);
    expect(receiver.received.filter((r) => r.path === '/private')).toHaveLength(0);
  });

  it('sends a delivery set back to pending by hand as soon as the deliveries channel announces it', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/again'), customerId });
    stack.dispatcher();
    const [event] = await writeEvents(db, customerId, 1);
    await vi.waitFor(async () => expect((await deliveriesOf(db, endpoint.id))[0]?.status).toBe('succeeded'), { timeout: 10_000 });

    // What the management API's retry does: pending, due now, one attempt, then a NOTIFY.
    const [delivery] = await deliveriesOf(db, endpoint.id);
    await db.transaction(async (trx) => {
      await trx('webhook_deliveries').where({ id: delivery!.id })
        .update({ status: 'pending', next_attempt_at: db.fn.now(), give_up_at: db.fn.now(), completed_at: null });
      await trx.raw('SELECT pg_notify(?, ?)', [WEBHOOK_DELIVERIES_CHANNEL, delivery!.id]);
    });
    await vi.waitFor(() => expect(receiver.received.filter((r) => r.path === '/again').map((r) => r.id)).toEqual([event!.id, event!.id]), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await deliveriesOf(db, endpoint.id)).toMatchObject([{ status: 'succeeded', attempt_count: 2 }]));
  });

  it('sends again a delivery whose dispatcher died holding it, once the lease has run out', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/orphan'), customerId });
    await writeEvents(db, customerId, 1);
    // A dispatcher claims it and dies before sending: its lease (here 300 ms) holds it until then.
    const [claimed] = (await deliveryRepository(db).claim(100, 300)).deliveries.filter((delivery) => delivery.endpointId === endpoint.id);
    expect(claimed?.attempt).toBe(1);
    stack.dispatcher({ pollIntervalMs: 100 });
    await sleep(150);
    expect(receiver.received.filter((r) => r.path === '/orphan')).toHaveLength(0);

    await vi.waitFor(() => expect(receiver.received.filter((r) => r.path === '/orphan')).toHaveLength(1), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await deliveriesOf(db, endpoint.id)).toMatchObject([{ status: 'succeeded', attempt_count: 2 }]));
    expect(await attemptsOf(db, claimed!.id)).toMatchObject([{ attempt: 2, status_code: 204 }]);
  });

  it('lets an attempt in flight finish and be recorded when it stops, and claims nothing after', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/slow'), customerId });
    receiver.answer('/slow', (_request, _attempt, response) => setTimeout(() => response.writeHead(200).end(), 500));
    const dispatcher = stack.dispatcher();
    await writeEvents(db, customerId, 1);
    await vi.waitFor(() => expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(1), { timeout: 5_000 });

    await dispatcher.stop();
    expect(await deliveriesOf(db, endpoint.id)).toMatchObject([{ status: 'succeeded', attempt_count: 1 }]);
    await writeEvents(db, customerId, 1);
    await sleep(300);
    expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(1);
    expect((await deliveriesOf(db, endpoint.id))[1]).toMatchObject({ status: 'pending', attempt_count: 0 });
  });

  it('reports the pending deliveries of the whole database as the backlog', async () => {
    const { db } = stack;
    const pending = async () => Number((await db('webhook_deliveries').where({ status: 'pending' }).count('* as n').first())!.n);
    const backlog = async () => (await metricsRegistry.getSingleMetric('billing_webhook_backlog')?.get())?.values[0]?.value;
    const customerId = newCustomer();
    await insertEndpoint(db, { url: 'http://127.0.0.1:9/unreachable', customerId, ordered: false });
    await writeEvents(db, customerId, 4);
    // Nothing is sent during the test (every pending attempt is an hour away), so the count holds still.
    await db('webhook_deliveries').where({ status: 'pending' }).update({ next_attempt_at: db.raw("now() + interval '1 hour'") });
    const expected = await pending();
    expect(expected).toBeGreaterThanOrEqual(4);

    stack.dispatcher();
    await vi.waitFor(async () => expect(await backlog()).toBe(expected), { timeout: 10_000 });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  attemptsOf, deliveriesOf, insertEndpoint, newCustomer, startDeliveryTestStack, writeEvents, type DeliveryTestStack,
} from './support/webhooks.ts';

// Per-customer order, giving up after the give-up moment, and disabling an endpoint that has
// failed for 5 days, against a real PostgreSQL and a real receiver on loopback.

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

const seqOf = (ids: readonly string[], id: string) => ids.indexOf(id) + 1;

describe('webhook delivery order', () => {
  it('keeps each customer’s order on an ordered endpoint while its first event fails, and not on an unordered one', async () => {
    const { db, receiver } = stack;
    const [alice, bob] = [newCustomer(), newCustomer()];
    const ordered = await insertEndpoint(db, { url: receiver.url('/ordered'), customerId: null, ordered: true });
    const unordered = await insertEndpoint(db, { url: receiver.url('/unordered'), customerId: null, ordered: false });
    const [aliceEvents, bobEvents] = [await writeEvents(db, alice, 5), await writeEvents(db, bob, 5)];
    const aliceIds = aliceEvents.map((event) => event.id);
    const bobIds = bobEvents.map((event) => event.id);
    // A slow receiver that turns away alice's first event once, on both endpoints.
    for (const path of ['/ordered', '/unordered']) {
      receiver.answer(path, (request, attempt, response) => {
        const status = request.id === aliceIds[0] && attempt === 1 ? 503 : 200;
        setTimeout(() => response.writeHead(status).end(), 20);
      });
    }
    stack.dispatcher({ retryScheduleMs: [1_000] });

    const paths = (path: string, ids: readonly string[]) => receiver.received.filter((r) => r.path === path && ids.includes(r.id)).map((r) => seqOf(ids, r.id));
    await vi.waitFor(async () => {
      expect((await deliveriesOf(db, ordered.id)).every((delivery) => delivery.status === 'succeeded')).toBe(true);
      expect((await deliveriesOf(db, unordered.id)).every((delivery) => delivery.status === 'succeeded')).toBe(true);
    }, { timeout: 15_000 });
    // Ordered: nothing after alice's first event went out before it succeeded, and bob was not held up.
    expect(paths('/ordered', aliceIds)).toEqual([1, 1, 2, 3, 4, 5]);
    expect(paths('/ordered', bobIds)).toEqual([1, 2, 3, 4, 5]);
    const orderedArrivals = receiver.received.filter((r) => r.path === '/ordered').map((r) => r.id);
    expect(orderedArrivals.lastIndexOf(bobIds[4]!)).toBeLessThan(orderedArrivals.lastIndexOf(aliceIds[0]!));
    // Unordered: alice's later events did not wait for her first one's retry.
    const unorderedAlice = paths('/unordered', aliceIds);
    expect(unorderedAlice.toSorted()).toEqual([1, 1, 2, 3, 4, 5]);
    expect(unorderedAlice.at(-1)).toBe(1);
  });
});

describe('webhook give-up and endpoint health', () => {
  it('retries a failing delivery until its give-up moment, never scheduling past it, then marks it failed', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/down'), customerId });
    receiver.answer('/down', (_request, _attempt, response) => response.writeHead(500).end());
    await writeEvents(db, customerId, 1);
    const [delivery] = await deliveriesOf(db, endpoint.id);
    // Three days compressed into about a second: the give-up moment is brought forward.
    await db('webhook_deliveries').where({ id: delivery!.id }).update({ give_up_at: db.raw("now() + interval '1 second'") });
    stack.dispatcher({ retryScheduleMs: [300] });

    await vi.waitFor(async () => expect((await deliveriesOf(db, endpoint.id))[0]?.status).toBe('failed'), { timeout: 10_000 });
    const [failed] = await deliveriesOf(db, endpoint.id);
    const attempts = await attemptsOf(db, failed!.id);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.at(-1)!.next_retry_at).toBeNull();
    for (const attempt of attempts.slice(0, -1)) expect(attempt.next_retry_at!.getTime()).toBeLessThanOrEqual(failed!.give_up_at.getTime());
    expect(failed!.completed_at!.getTime()).toBeGreaterThanOrEqual(failed!.give_up_at.getTime());
    expect(failed!.attempt_count).toBe(attempts.length);
  });

  it('disables an endpoint whose failures have lasted 5 days, and stops delivering to it', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    // Unordered, so the second event is not held behind the first one's pending retry.
    const endpoint = await insertEndpoint(db, { url: receiver.url('/gone'), customerId, ordered: false });
    receiver.answer('/gone', (_request, _attempt, response) => response.writeHead(410).end());
    await db('webhook_endpoints').where({ id: endpoint.id }).update({ failing_since: db.raw("now() - interval '5 days' + interval '1 minute'") });
    stack.dispatcher({ retryScheduleMs: [3_600_000] });

    // A minute short of 5 days: the failure is recorded, the endpoint stays enabled.
    await writeEvents(db, customerId, 1);
    await vi.waitFor(async () => expect(await attemptsOf(db, (await deliveriesOf(db, endpoint.id))[0]!.id)).toHaveLength(1), { timeout: 10_000 });
    expect(await db('webhook_endpoints').where({ id: endpoint.id }).first()).toMatchObject({ disabled: false, disabled_reason: null });

    // Past 5 days: the next failed attempt disables it.
    await db('webhook_endpoints').where({ id: endpoint.id }).update({ failing_since: db.raw("now() - interval '5 days' - interval '1 minute'") });
    await writeEvents(db, customerId, 1);
    await vi.waitFor(async () => expect(await db('webhook_endpoints').where({ id: endpoint.id }).first()).toMatchObject({ disabled: true, disabled_reason: 'failing' }), { timeout: 10_000 });

    // A disabled endpoint is owed nothing new.
    const before = (await deliveriesOf(db, endpoint.id)).length;
    await writeEvents(db, customerId, 1);
    expect(await deliveriesOf(db, endpoint.id)).toHaveLength(before);
  });

  it('starts counting failure at the first failed attempt and clears it on a success', async () => {
    const { db, receiver } = stack;
    const customerId = newCustomer();
    const endpoint = await insertEndpoint(db, { url: receiver.url('/wobbly'), customerId });
    receiver.answer('/wobbly', (_request, attempt, response) => response.writeHead(attempt === 1 ? 500 : 200).end());
    const failingSince = async () => (await db('webhook_endpoints').where({ id: endpoint.id }).first() as { failing_since: Date | null }).failing_since;
    stack.dispatcher({ retryScheduleMs: [1_000] });
    await writeEvents(db, customerId, 1);

    await vi.waitFor(async () => expect(await failingSince()).toBeInstanceOf(Date), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await deliveriesOf(db, endpoint.id))[0]?.status).toBe('succeeded'), { timeout: 10_000 });
    expect(await failingSince()).toBeNull();
  });
});

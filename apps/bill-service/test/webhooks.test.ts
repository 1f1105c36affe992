import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebhookDeliveryStatus, WebhookDisabledReason, WebhookService } from '@billing/contracts';
import { createDb, recordEvents, type Db } from '@billing/db';
import { freePort } from '@billing/devstack';
import { createGrpcClient, withPrincipal, type GrpcServer } from '@billing/grpc-kit';
import { failureOf } from '@billing/grpc-kit/testing';
import { createLogger } from '@billing/runtime';
import { startBillService } from '../src/app.ts';
import { createWebhookService } from '../src/webhooks/connect.ts';
import { WEBHOOK_DELIVERIES_CHANNEL } from '@billing/webhooks';
import { deleteFinishedDeliveriesBefore, deliveriesRepository } from '../src/webhooks/deliveries-repository.ts';
import { endpointsRepository } from '../src/webhooks/endpoints-repository.ts';
import { newCustomer, testEnv } from './support/bill-service.ts';

// WebhookService over real gRPC on loopback (bill-service as it starts in production, private URLs
// refused as by default) and the suite's real PostgreSQL. Endpoints here use a public address
// literal so no name has to resolve; the retry test registers a loopback one through a service
// that allows private URLs, as local development does.

const PUBLIC_URL = 'https://93.184.215.14/hooks';

let server: GrpcServer;
let webhooks: Client<typeof WebhookService>;
let db: Db;

beforeAll(async () => {
  const port = await freePort();
  server = await startBillService(testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1' }), createLogger('bill-service', 'warn'));
  webhooks = createGrpcClient(WebhookService, `http://127.0.0.1:${port}`, { serviceCredential: inject('serviceToken') });
  db = createDb({ url: inject('databaseUrl'), poolMax: 3 });
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

/** WebhookService in this process, allowing private URLs as under `npm start`. */
function localService(database: Db) {
  return createWebhookService({ endpoints: endpointsRepository(database), deliveries: deliveriesRepository(database), addressPolicy: { allowPrivate: true } });
}

const asCustomer = (customerId: string) => withPrincipal({ keyId: 'key_test', customerId });

async function secretRows(endpointId: string) {
  return db('webhook_endpoint_secrets').where('endpoint_id', endpointId).orderBy('created_at') as Promise<Array<{ secret: string; expires_at: Date | null }>>;
}

describe('WebhookService: endpoints', () => {
  it('creates an endpoint with a whsec_ secret stored only as its key, then gets, updates, lists and deletes it', async () => {
    const customer = newCustomer('wh-crud');
    const created = await webhooks.createWebhookEndpoint({
      url: PUBLIC_URL, events: ['bill.closed', 'bill.created', 'bill.closed'], customerId: customer, description: '  Accounting sync  ',
    });
    const endpoint = created.endpoint!;
    expect(endpoint).toMatchObject({
      url: PUBLIC_URL, events: ['bill.closed', 'bill.created'], customerId: customer, description: 'Accounting sync', ordered: true, disabled: false,
      disabledReason: WebhookDisabledReason.UNSPECIFIED,
    });
    expect(endpoint.id).toMatch(/^we_[0-9a-f]{32}$/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect((await secretRows(endpoint.id)).map((row) => row.secret)).toEqual([created.secret.slice('whsec_'.length)]);

    expect((await webhooks.getWebhookEndpoint({ id: endpoint.id })).endpoint).toEqual(endpoint);

    const disabled = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, disabled: true, events: ['*'], ordered: false })).endpoint!;
    expect(disabled).toMatchObject({ disabled: true, disabledReason: WebhookDisabledReason.MANUAL, events: ['*'], ordered: false, url: PUBLIC_URL });
    // The worker disabled it for failing, say: enabling it again forgets the failing streak too.
    await db('webhook_endpoints').where('id', endpoint.id).update({ disabled_reason: 'failing', failing_since: new Date('2031-01-01T00:00:00Z') });
    const enabled = (await webhooks.updateWebhookEndpoint({ id: endpoint.id, disabled: false, description: '' })).endpoint!;
    expect(enabled).toMatchObject({ disabled: false, disabledReason: WebhookDisabledReason.UNSPECIFIED, description: '', events: ['*'] });
    expect(enabled.failingSince).toBeUndefined();

    expect((await webhooks.listWebhookEndpoints({ customerId: customer })).endpoints.map((one) => one.id)).toEqual([endpoint.id]);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    expect((await failureOf(webhooks.getWebhookEndpoint({ id: endpoint.id }))).code).toBe(Code.NotFound);
    expect((await failureOf(webhooks.deleteWebhookEndpoint({ id: endpoint.id }))).code).toBe(Code.NotFound);
    expect(await secretRows(endpoint.id)).toEqual([]);
  });

  it('refuses http, loopback, private and malformed URLs, unknown event types and "*" among others, writing nothing', async () => {
    const customer = newCustomer('wh-bad');
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ url: 'https://127.0.0.1/hook' }, 'url: webhook address 127.0.0.1 is not a public address'],
      [{ url: 'https://10.1.2.3/hook' }, 'url: webhook address 10.1.2.3 is not a public address'],
      [{ url: 'https://[::ffff:169.254.169.254]/latest' }, 'is not a public address'],
      [{ url: 'http://93.184.215.14/hook' }, 'url: must use https'],
      [{ url: 'not a url' }, 'url: must be an absolute URL'],
      [{ url: `https://example.com/${'a'.repeat(2_100)}` }, 'url: must be at most 2048 characters'],
      [{ events: ['bill.closed', 'bill.exploded'] }, 'events[1]: "bill.exploded" is not an event type'],
      [{ events: ['*', 'bill.closed'] }, 'events: "*" (every type) must be the only entry'],
      [{ events: [] }, 'events: must name at least one event type'],
      [{ events: Array.from({ length: 51 }, () => 'bill.closed') }, 'events: must name at most 50 event types'],
      [{ description: '\u0007' }, 'description: must not contain control characters'],
      [{ description: 'a\u0007b' }, 'description: must not contain control characters other than tab and line feed (found U+0007)'],
      [{ description: 'a\u0085b' }, 'description: must not contain control characters'],
      [{ url: `${PUBLIC_URL}/a\u0000b` }, 'url: must not contain control characters'],
    ];
    for (const [change, message] of refusals) {
      const failure = await failureOf(webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['bill.closed'], customerId: customer, ...change }));
      expect(failure.code, message).toBe(Code.InvalidArgument);
      expect(failure.rawMessage).toContain(message);
    }
    expect((await failureOf(webhooks.createWebhookEndpoint({ url: 'https://127.0.0.1/', events: ['*'], customerId: customer }))).rawMessage)
      .toContain('WEBHOOK_ALLOW_PRIVATE_URLS=true');
    expect(await db('webhook_endpoints').where('customer_id', customer)).toEqual([]);

    const { endpoint } = await webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'], customerId: customer });
    const update = await failureOf(webhooks.updateWebhookEndpoint({ id: endpoint!.id, url: 'https://192.168.0.10/hook', ordered: false }));
    expect(update.code).toBe(Code.InvalidArgument);
    expect((await webhooks.getWebhookEndpoint({ id: endpoint!.id })).endpoint).toMatchObject({ url: PUBLIC_URL, ordered: true });
    expect((await failureOf(webhooks.getWebhookEndpoint({ id: 'we_nope' }))).rawMessage).toContain('id: must be a webhook endpoint id');
  });

  it('pages a customer\'s endpoints newest first with the cursors it issues', async () => {
    const customer = newCustomer('wh-page');
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push((await webhooks.createWebhookEndpoint({ url: `${PUBLIC_URL}/${index}`, events: ['*'], customerId: customer })).endpoint!.id);
    }
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await webhooks.listWebhookEndpoints({ customerId: customer, limit: 2, cursor });
      seen.push(...page.endpoints.map((endpoint) => endpoint.id));
      cursor = page.nextCursor ?? '';
    } while (cursor !== '');
    expect(seen).toEqual([...ids].reverse());
    expect((await failureOf(webhooks.listWebhookEndpoints({ customerId: customer, cursor: 'bm90LWEtY3Vyc29y' }))).code).toBe(Code.InvalidArgument);
  });
});

describe('WebhookService: customer scope', () => {
  it('lets a customer key reach only its own customer\'s endpoints; platform endpoints and others\' are not found', async () => {
    const mine = newCustomer('wh-mine');
    const theirs = newCustomer('wh-theirs');
    const own = (await webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'], customerId: mine }, asCustomer(mine))).endpoint!;
    const foreign = (await webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'], customerId: theirs })).endpoint!;
    // Disabled, so it takes no delivery of another test's events while it exists.
    const platform = (await webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'] })).endpoint!;
    await webhooks.updateWebhookEndpoint({ id: platform.id, disabled: true });
    try {
      expect(platform.customerId).toBe('');
      expect((await failureOf(webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'], customerId: theirs }, asCustomer(mine)))).code)
        .toBe(Code.PermissionDenied);
      expect((await failureOf(webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'] }, asCustomer(mine)))).code).toBe(Code.PermissionDenied);
      expect((await webhooks.listWebhookEndpoints({ customerId: mine }, asCustomer(mine))).endpoints.map((one) => one.id)).toEqual([own.id]);
      for (const id of [foreign.id, platform.id]) {
        expect((await failureOf(webhooks.getWebhookEndpoint({ id, customerId: mine }, asCustomer(mine)))).code).toBe(Code.NotFound);
        expect((await failureOf(webhooks.updateWebhookEndpoint({ id, customerId: mine, disabled: true }, asCustomer(mine)))).code).toBe(Code.NotFound);
        expect((await failureOf(webhooks.rotateWebhookSecret({ id, customerId: mine }, asCustomer(mine)))).code).toBe(Code.NotFound);
        expect((await failureOf(webhooks.deleteWebhookEndpoint({ id, customerId: mine }, asCustomer(mine)))).code).toBe(Code.NotFound);
        expect((await failureOf(webhooks.listWebhookDeliveries({ endpointId: id, customerId: mine }, asCustomer(mine)))).code).toBe(Code.NotFound);
      }
      expect((await webhooks.getWebhookEndpoint({ id: foreign.id })).endpoint?.disabled).toBe(false);
      expect((await webhooks.getWebhookEndpoint({ id: own.id, customerId: mine }, asCustomer(mine))).endpoint?.id).toBe(own.id);
      // A platform caller lists every endpoint: the platform one among them.
      const all = await webhooks.listWebhookEndpoints({ limit: 200 });
      expect(all.endpoints.map((one) => one.id)).toEqual(expect.arrayContaining([platform.id]));
    } finally {
      await webhooks.deleteWebhookEndpoint({ id: platform.id });
    }
  });
});

describe('WebhookService: secrets', () => {
  it('keeps the previous secret signing through the overlap, then only the newest one', async () => {
    const customer = newCustomer('wh-rotate');
    const repository = endpointsRepository(db);
    const created = await webhooks.createWebhookEndpoint({ url: PUBLIC_URL, events: ['*'], customerId: customer });
    const id = created.endpoint!.id;
    const key = (secret: string) => secret.slice('whsec_'.length);

    const first = await webhooks.rotateWebhookSecret({ id, overlapSeconds: 3_600 });
    expect(first.secret).not.toBe(created.secret);
    const overlapEnd = timestampDate(first.previousSecretExpiresAt!).getTime();
    expect(Math.abs(overlapEnd - (Date.now() + 3_600_000))).toBeLessThan(60_000);
    const signing = await repository.signingSecrets(id);
    expect(signing.map((secret) => secret.key)).toEqual([key(first.secret), key(created.secret)]);
    expect(signing[1]!.expiresAt?.getTime()).toBe(overlapEnd);

    // No overlap: the new secret alone signs, and the expired ones are deleted by the next rotation.
    const second = await webhooks.rotateWebhookSecret({ id, overlapSeconds: 0 });
    expect((await repository.signingSecrets(id)).map((secret) => secret.key)).toEqual([key(second.secret)]);
    const third = await webhooks.rotateWebhookSecret({ id });
    expect((await secretRows(id)).map((row) => row.secret)).toEqual([key(second.secret), key(third.secret)]);
    const defaultEnd = timestampDate(third.previousSecretExpiresAt!).getTime();
    expect(Math.abs(defaultEnd - (Date.now() + 86_400_000))).toBeLessThan(60_000);

    const tooLong = await failureOf(webhooks.rotateWebhookSecret({ id, overlapSeconds: 7 * 86_400 + 1 }));
    expect(tooLong.rawMessage).toContain('overlapSeconds: must be between 0 and 604800');
    expect(await secretRows(id)).toHaveLength(2);
  });
});

describe('WebhookService: deliveries', () => {
  it('lists deliveries with their attempts and sends a failed one again exactly once, waking the dispatcher', async () => {
    const customer = newCustomer('wh-retry');
    // Loopback is allowed here, as under `npm start`; the discard port refuses whatever is sent.
    const local = createClient(WebhookService, createRouterTransport(({ service }) =>
      service(WebhookService, localService(db))));
    const endpoint = (await local.createWebhookEndpoint({ url: 'http://127.0.0.1:9/hook', events: ['ledger.entry_posted'], customerId: customer })).endpoint!;
    // The suite's worker dispatches deliveries as they commit: these are made due only in a year,
    // in the same transaction, so its attempts never meet the ones this test writes.
    await db.transaction(async (trx) => {
      await recordEvents(trx, [
        { type: 'ledger.entry_posted', customerId: customer, data: { n: 1 } },
        { type: 'bill.created', customerId: customer, data: { n: 2 } },
        { type: 'ledger.entry_posted', customerId: customer, data: { n: 3 } },
      ]);
      await trx('webhook_deliveries').where('endpoint_id', endpoint.id).update({ next_attempt_at: trx.raw("now() + interval '1 year'") });
    });
    const listed = await webhooks.listWebhookDeliveries({ endpointId: endpoint.id, limit: 1 });
    expect(listed.deliveries).toHaveLength(1);
    expect(listed.nextCursor).toEqual(expect.any(String));
    const rest = await webhooks.listWebhookDeliveries({ endpointId: endpoint.id, cursor: listed.nextCursor });
    expect(rest.nextCursor).toBeUndefined();
    const all = [...listed.deliveries, ...rest.deliveries];
    expect(all.map((delivery) => delivery.eventType)).toEqual(['ledger.entry_posted', 'ledger.entry_posted']);

    // The second delivery as the dispatcher leaves it after giving up: failed, with its attempts.
    const delivery = all[1]!;
    await db('webhook_deliveries').where('id', delivery.id).update({ status: 'failed', attempt_count: 2, completed_at: db.fn.now() });
    await db('webhook_attempts').insert([
      { delivery_id: delivery.id, attempt: 1, started_at: new Date('2031-01-01T00:00:00Z'), duration_ms: 12, status_code: 500, response_body: 'oops', next_retry_at: new Date('2031-01-01T00:00:05Z') },
      { delivery_id: delivery.id, attempt: 2, started_at: new Date('2031-01-01T00:00:05Z'), duration_ms: 10_000, error: 'timed out after 10 s' },
    ]);
    const failed = (await webhooks.listWebhookDeliveries({ endpointId: endpoint.id })).deliveries.find((one) => one.id === delivery.id)!;
    expect(failed).toMatchObject({ status: WebhookDeliveryStatus.FAILED, attemptCount: 2 });
    expect(failed.nextAttemptAt).toBeUndefined();
    expect(failed.completedAt).toBeDefined();
    expect(failed.attempts.map(({ attempt, durationMs, statusCode, error, responseBody }) => ({ attempt, durationMs, statusCode, error, responseBody }))).toEqual([
      { attempt: 1, durationMs: 12, statusCode: 500, error: undefined, responseBody: 'oops' },
      { attempt: 2, durationMs: 10_000, statusCode: undefined, error: 'timed out after 10 s', responseBody: undefined },
    ]);
    expect(timestampDate(failed.attempts[0]!.nextRetryAt!).toISOString()).toBe('2031-01-01T00:00:05.000Z');
    expect(failed.attempts[1]!.nextRetryAt).toBeUndefined();

    const listener = new pg.Client({ connectionString: inject('databaseUrl') });
    await listener.connect();
    try {
      const notified = new Promise<string | undefined>((resolve) => listener.on('notification', (message) => resolve(message.payload)));
      await listener.query(`LISTEN ${WEBHOOK_DELIVERIES_CHANNEL}`);
      const before = Date.now();
      const retried = (await webhooks.retryWebhookDelivery({ endpointId: endpoint.id, deliveryId: delivery.id })).delivery!;
      expect(retried).toMatchObject({ id: delivery.id, status: WebhookDeliveryStatus.PENDING, attemptCount: 2 });
      expect(retried.completedAt).toBeUndefined();
      expect(Math.abs(timestampDate(retried.nextAttemptAt!).getTime() - before)).toBeLessThan(5_000);
      expect(await notified).toBe(delivery.id);
      const [row] = await db('webhook_deliveries').where('id', delivery.id).select('give_up_at') as Array<{ give_up_at: Date }>;
      // Its deadline is now: the attempt about to be made is its last.
      expect(row!.give_up_at.getTime()).toBeLessThanOrEqual(Date.now());
    } finally {
      await listener.end();
    }

    // A pending one keeps its own deadline; another endpoint's delivery id is not found here.
    const pending = all[0]!;
    const [deadline] = await db('webhook_deliveries').where('id', pending.id).select('give_up_at') as Array<{ give_up_at: Date }>;
    await webhooks.retryWebhookDelivery({ endpointId: endpoint.id, deliveryId: pending.id });
    const [after] = await db('webhook_deliveries').where('id', pending.id).select('give_up_at') as Array<{ give_up_at: Date }>;
    expect(after!.give_up_at).toEqual(deadline!.give_up_at);
    const other = (await local.createWebhookEndpoint({ url: 'http://127.0.0.1:9/other', events: ['*'], customerId: customer })).endpoint!;
    expect((await failureOf(webhooks.retryWebhookDelivery({ endpointId: other.id, deliveryId: delivery.id }))).code).toBe(Code.NotFound);

    await webhooks.updateWebhookEndpoint({ id: endpoint.id, disabled: true });
    expect((await failureOf(webhooks.retryWebhookDelivery({ endpointId: endpoint.id, deliveryId: delivery.id }))).code).toBe(Code.FailedPrecondition);
    await webhooks.deleteWebhookEndpoint({ id: endpoint.id });
    await webhooks.deleteWebhookEndpoint({ id: other.id });
    expect(await db('webhook_deliveries').where('endpoint_id', endpoint.id)).toEqual([]);
  });

  it('deletes finished deliveries past the event retention with their attempts, keeping pending and recent ones', async () => {
    const customer = newCustomer('wh-retention');
    const local = createClient(WebhookService, createRouterTransport(({ service }) =>
      service(WebhookService, localService(db))));
    const endpoint = (await local.createWebhookEndpoint({ url: 'http://127.0.0.1:9/hook', events: ['*'], customerId: customer })).endpoint!;
    // The suite's worker dispatches deliveries as they commit: they are made and given their
    // states in one transaction, the pending one due only in a year, so it sees none of them due.
    const old = new Date('2020-01-01T00:00:00Z');
    const ids = await db.transaction(async (trx) => {
      await recordEvents(trx, [1, 2, 3, 4].map((n) => ({ type: 'ledger.entry_posted' as const, customerId: customer, data: { n } })));
      const made = (await trx('webhook_deliveries').where('endpoint_id', endpoint.id).orderBy('event_seq').select('id') as Array<{ id: string }>).map((row) => row.id);
      await trx('webhook_deliveries').where('id', made[0]).update({ status: 'succeeded', created_at: old, completed_at: old });
      await trx('webhook_deliveries').where('id', made[1]).update({ status: 'failed', created_at: old, completed_at: old });
      await trx('webhook_deliveries').where('id', made[2]).update({ created_at: old, next_attempt_at: trx.raw("now() + interval '1 year'") });
      await trx('webhook_deliveries').where('id', made[3]).update({ status: 'succeeded', completed_at: trx.fn.now() });
      await trx('webhook_attempts').insert({ delivery_id: made[0], attempt: 1, started_at: old, duration_ms: 5, status_code: 204 });
      return made;
    });

    expect(await deleteFinishedDeliveriesBefore(db, new Date('2021-01-01T00:00:00Z'), 1)).toBe(2);
    const left = (await db('webhook_deliveries').where('endpoint_id', endpoint.id).orderBy('event_seq').select('id') as Array<{ id: string }>).map((row) => row.id);
    expect(left).toEqual([ids[2], ids[3]]);
    expect(await db('webhook_attempts').where('delivery_id', ids[0])).toEqual([]);
    await local.deleteWebhookEndpoint({ id: endpoint.id });
  });
});

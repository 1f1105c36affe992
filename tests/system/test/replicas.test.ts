import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startHaproxy, startReplicaStack, type Haproxy, type ReplicaStack } from '@billing/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, futurePeriod, newCustomer, type Answer, type Bill } from './bills-api.ts';
import { mandatesPath, todayUtc, type Collection, type Mandate } from './mandates-api.ts';
import { openStream } from './sse-client.ts';

// Several replicas of every app on one machine, as a cluster runs them: HAProxy (Debian's package,
// fetched by the bootstrap; its configuration is devstack's haproxyConfig) in front of 3 gateways, 2 bill-services, 2 rates-services and 2
// workers on one task queue, over one PostgreSQL and one Temporal dev server. Every call goes
// through HAProxy; a test header (`x-gateway`) pins a call to one gateway where the test needs
// to say which (a replay on another gateway), and HAProxy names the gateway that answered in
// `x-served-by`. What each part proves is written in docs/deploy.md ("Several replicas").

const GATEWAYS = 3;
let stack: ReplicaStack;
let haproxy: Haproxy;
let lb: string;
let admin: string;
let db: pg.Pool;
const output: string[] = [];

/** A call through HAProxy, to the gateway `pinned` (1-based) when given. */
function via<T = Record<string, unknown>>(method: string, path: string, options: Parameters<typeof call>[2] & { pinned?: number } = {}): Promise<Answer<T>> {
  const { pinned, ...rest } = options;
  return call<T>(method, path, {
    authorization: admin, ...rest, baseUrl: lb,
    headers: { ...rest.headers, ...(pinned === undefined ? {} : { 'x-gateway': `gw${pinned}` }) },
  });
}

async function metric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last output:\n${output.slice(-30).join('\n')}`);
    await sleep(100);
  }
}

// A webhook receiver that answers 200 to everything and keeps each webhook-id it got.
let receiver: Server;
let receiverUrl: string;
const received = new Map<string, number>();

beforeAll(async () => {
  stack = await startReplicaStack({
    replicas: { gateway: GATEWAYS, 'bill-service': 2, 'rates-service': 2, worker: 2 },
    env: {
      LOG_LEVEL: 'warn',
      // The rate-limit test gives its own key a small limit; everything else runs on the admin key.
      RATE_LIMIT_PER_MINUTE: '1000000',
      GRPC_TIMEOUT: '5s',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT: '1s', WEBHOOK_POLL_INTERVAL: '1s', WEBHOOK_RETRY_SCHEDULE: '1s',
    },
    print: (line) => {
      output.push(line);
      if (output.length > 2_000) output.splice(0, 1_000);
    },
  }).catch((error: unknown) => {
    process.stderr.write(`${output.slice(-50).join('\n')}\n`);
    throw error;
  });
  admin = `Bearer ${stack.adminApiKey}`;
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  haproxy = await startHaproxy({ gateways: stack.of('gateway').map((replica) => replica.url!), pinning: true, print: (line) => output.push(line) });
  lb = haproxy.url;
  // Every gateway up in HAProxy's eyes: a pinned call is answered by the gateway it names.
  for (let gateway = 1; gateway <= GATEWAYS; gateway++) {
    await waitUntil(`gw${gateway} behind HAProxy`, async () => (await via('GET', '/readyz', { pinned: gateway })).headers.get('x-served-by') === `gw${gateway}`);
  }

  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['webhook-id']);
      received.set(id, (received.get(id) ?? 0) + 1);
      response.writeHead(200).end('thanks');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  await haproxy?.stop();
  await db?.end();
  await stack?.stop();
});

async function webhookEndpoint(customerId: string): Promise<void> {
  const created = await via('POST', '/v1/webhook-endpoints', { body: { url: `${receiverUrl}/${customerId}`, events: ['*'], customerId } });
  expect(created.status, created.text).toBe(201);
}

async function eventIds(customerId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = null; ;) {
    const page: Answer<{ items: Array<{ id: string }>; nextCursor: string | null }> =
      await via('GET', `/v1/events?customerId=${customerId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status, page.text).toBe(200);
    ids.push(...page.json.items.map((event) => event.id));
    cursor = page.json.nextCursor;
    if (!cursor) return ids;
  }
}

function minorUnits(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole ?? '0') * 100n + BigInt(fraction.padEnd(2, '0'));
}

describe('three gateways behind HAProxy over two replicas of every service', () => {
  it('spreads the calls of one gateway over both bill-services', async () => {
    const customer = newCustomer('rep-spread');
    const period = futurePeriod();
    expect((await via('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: period }, pinned: 1 })).status).toBe(201);
    const bills = stack.of('bill-service');
    const count = () => Promise.all(bills.map((replica) => metric(replica.metricsUrl, 'rpc_server_requests_total', { method: 'GetBill' })));
    const before = await count();
    for (let index = 0; index < 20; index++) {
      const answer = await via('GET', `/v1/customers/${customer}/bills/${period}`, { pinned: 1 });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-served-by')).toBe('gw1');
    }
    const after = await count();
    const served = after.map((total, index) => total - (before[index] ?? 0));
    // One HTTP/2 connection per backend would send all 20 to one of them.
    expect(served.reduce((sum, value) => sum + value, 0)).toBe(20);
    for (const share of served) expect(share).toBeGreaterThanOrEqual(5);
  });

  it('shares one rate-limit bucket per key between the gateways', async () => {
    const customer = newCustomer('rep-rate');
    const created = await via<{ key: string }>('POST', '/v1/api-keys', { body: { name: `replicas ${customer}`, customerId: customer, rateLimitPerMinute: 20 } });
    expect(created.status, created.text).toBe(201);
    const answers = [];
    for (let index = 0; index < 60; index++) {
      answers.push(await via('GET', `/v1/events?customerId=${customer}`, { authorization: `Bearer ${created.json.key}`, pinned: (index % GATEWAYS) + 1 }));
    }
    expect(new Set(answers.map((answer) => answer.headers.get('x-served-by')))).toEqual(new Set(['gw1', 'gw2', 'gw3']));
    const allowed = answers.filter((answer) => answer.status === 200).length;
    // 20 a minute, and at most a token or two refilled during the run; one bucket per gateway would allow 60.
    expect(allowed).toBeGreaterThanOrEqual(20);
    expect(allowed).toBeLessThanOrEqual(22);
    expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 429)).toBe(true);
    expect(answers.at(-1)?.headers.get('ratelimit-limit')).toBe('20');
  });

  it('replays an Idempotency-Key on any gateway, and runs a key sent to two gateways at once once', async () => {
    const customer = newCustomer('rep-idem');
    const period = futurePeriod();
    expect((await via('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: period } })).status).toBe(201);
    const items = `/v1/customers/${customer}/bills/${period}/items`;
    const keys = Array.from({ length: 20 }, (_, index) => ({ key: `rep-idem-${customer}-${index}`, body: { description: `item ${index}`, amount: `${index + 1}.25` } }));
    const firsts = await Promise.all(keys.map(async ({ key, body }, index) => {
      const [a, b] = await Promise.all([
        via<Bill>('POST', items, { body, key, pinned: (index % GATEWAYS) + 1 }),
        via<Bill>('POST', items, { body, key, pinned: ((index + 1) % GATEWAYS) + 1 }),
      ]);
      for (const answer of [a, b]) {
        expect([201, 409], answer.text).toContain(answer.status);
        if (answer.status === 409) expect(answer.text).toContain('still in progress');
      }
      const first = [a, b].find((answer) => answer.status === 201 && answer.headers.get('idempotent-replayed') !== 'true');
      expect(first, `key ${key} ran once`).toBeDefined();
      return first!;
    }));
    // The recorded answer, byte for byte, from a third gateway.
    for (const [index, { key, body }] of keys.entries()) {
      const replay = await via('POST', items, { body, key, pinned: ((index + 2) % GATEWAYS) + 1 });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.text).toBe(firsts[index]!.text);
    }
    const bill = await via<Bill>('GET', `/v1/customers/${customer}/bills/${period}`);
    expect(bill.json.itemCount).toBe(keys.length);
    expect(minorUnits(bill.json.total.amount)).toBe(keys.reduce((sum, { body }) => sum + minorUnits(body.amount), 0n));
  });

  it('resumes an event stream with Last-Event-ID on another gateway with exactly the events missed', async () => {
    const customer = newCustomer('rep-sse');
    const topUp = async (amount: string, pinned: number) => {
      const answer = await via<{ id: string }>('POST', `/v1/customers/${customer}/wallet/top-ups`, { body: { amount, currency: 'USD' }, pinned });
      expect(answer.status, answer.text).toBe(201);
      return answer.json.id;
    };
    await topUp('1.00', 1);
    const stream = await openStream(`/v1/events/stream?customerId=${customer}`, { authorization: admin, baseUrl: lb, headers: { 'x-gateway': 'gw3' } });
    expect(stream.status).toBe(200);
    const seen = await stream.next();
    stream.close();
    const missed: string[] = [];
    for (let index = 0; index < 10; index++) missed.push(await topUp(`${index + 2}.00`, (index % 2) + 1));
    const resumed = await openStream(`/v1/events/stream?customerId=${customer}`, {
      authorization: admin, baseUrl: lb, headers: { 'x-gateway': 'gw2' }, lastEventId: seen.id,
    });
    expect(resumed.status).toBe(200);
    const replayed = [];
    for (let index = 0; index < missed.length; index++) replayed.push(await resumed.next());
    expect(replayed.map((event) => (event.data as { data: { id: string } }).data.id)).toEqual(missed);
    // Nothing more: no event twice.
    await expect(resumed.next(500)).rejects.toThrow(/no event/);
    // A live one still arrives on the resumed stream, written through another gateway.
    const live = await topUp('99.00', 1);
    expect(((await resumed.next()).data as { data: { id: string } }).data.id).toBe(live);
    resumed.close();
  });

  it('has two webhook dispatchers deliver every event once', async () => {
    const customer = newCustomer('rep-hooks');
    await webhookEndpoint(customer);
    const workers = stack.of('worker');
    const sent = () => Promise.all(workers.map((replica) => metric(replica.metricsUrl, 'billing_webhook_deliveries_total', { outcome: 'succeeded' })));
    const before = await sent();
    // Whichever dispatcher wakes first may claim a whole round, so rounds go on (up to 30) until
    // both have sent some: the point is two dispatchers at work on one queue.
    const tookPart = async () => (await sent()).every((count, index) => count - (before[index] ?? 0) > 0);
    let rounds = 0;
    while (rounds < 6 || (rounds < 30 && !(await tookPart()))) {
      await Promise.all(Array.from({ length: 5 }, (_, index) =>
        via('POST', `/v1/customers/${customer}/wallet/top-ups`, { body: { amount: `${rounds + 1}.0${index}`, currency: 'USD' }, key: `${customer}-${rounds}-${index}` })));
      rounds += 1;
      await sleep(150);
    }
    const events = await eventIds(customer);
    expect(events).toHaveLength(5 * rounds);
    await waitUntil('every event delivered', async () => events.every((id) => received.has(id)));
    await sleep(500);
    expect(events.filter((id) => received.get(id) !== 1)).toEqual([]);
    expect(await tookPart(), 'both dispatchers took part').toBe(true);
  });

  it('loses and doubles nothing when one replica of each app is killed under load and every app is then restarted in turn', async () => {
    const customer = newCustomer('rep-chaos');
    const period = futurePeriod();
    // Every event of the customer from here on has a delivery.
    await webhookEndpoint(customer);
    expect((await via('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: period } })).status).toBe(201);
    const ITEMS = 120;
    const TOP_UPS = 60;
    const MANDATES = 10;
    const today = todayUtc();
    const SPREAD_MS = 12_000;
    const work = [
      ...Array.from({ length: ITEMS }, (_, index) => ({
        path: `/v1/customers/${customer}/bills/${period}/items`, key: `${customer}-item-${index}`,
        body: { description: `usage ${index}`, amount: `${index + 1}.${String(index % 100).padStart(2, '0')}` },
      })),
      ...Array.from({ length: TOP_UPS }, (_, index) => ({
        path: `/v1/customers/${customer}/wallet/top-ups`, key: `${customer}-top-up-${index}`, body: { amount: `${index + 1}.50`, currency: 'USD' },
      })),
      // Mandates whose first collection is today, each of a customer of its own: collected by the workers.
      ...Array.from({ length: MANDATES }, (_, index) => ({
        path: mandatesPath(`${customer}-m${index}`), key: `${customer}-mandate-${index}`,
        body: { description: `plan ${index}`, amount: `${index + 10}.00`, currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, timeZone: 'UTC' },
      })),
    ];
    const attempts: Array<{ status: number | 'network'; text: string }> = [];
    const started = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${what}`);
    const deadline = started + 120_000;
    // Spread evenly, the mandates among the rest.
    const clients = work.map(async ({ path, key, body }, index) => {
      await sleep((SPREAD_MS * (index >= ITEMS + TOP_UPS ? (index - ITEMS - TOP_UPS) * 17 % work.length : index)) / work.length);
      for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 1_000)) {
        const attempt = await via('POST', path, { body, key }).then(
          (answer) => ({ status: answer.status, text: answer.text }),
          (error: unknown) => ({ status: 'network' as const, text: String(error) }),
        );
        attempts.push(attempt);
        if (typeof attempt.status === 'number' && attempt.status < 300) return true;
        await sleep(delay);
      }
      return false;
    });
    // Each app on its own, as each Deployment rolls by itself: its first replica SIGKILLed
    // mid-request (all four apps at the same moment) and started again, then a rolling restart
    // (SIGTERM, drain, start) of its other replicas one at a time, so no app is ever all down and
    // every replica is restarted once (the first one by its kill).
    const chaos = (async () => {
      await sleep(1_500);
      await Promise.all((['gateway', 'bill-service', 'rates-service', 'worker'] as const).map(async (app) => {
        const [first, ...others] = stack.of(app);
        await stack.killReplica(first!.id);
        await stack.startReplica(first!.id);
        mark(`${first!.id} killed and back`);
        for (const replica of others) {
          await stack.stopReplica(replica.id);
          await stack.startReplica(replica.id);
          mark(`${replica.id} restarted`);
        }
      }));
    })();
    const [done] = await Promise.all([Promise.all(clients), chaos]);
    mark('clients done');
    process.stdout.write(`replicas: ${marks.join(', ')}\n`);
    expect(done.every(Boolean), 'every client got its 2xx').toBe(true);

    // What clients saw on the way: only answers that say "try again".
    const failures = attempts.filter((attempt) => attempt.status === 'network' || attempt.status >= 300);
    const byStatus = Object.entries(Object.groupBy(failures, (failure) => String(failure.status))).map(([status, list]) => `${status}: ${list?.length}`);
    process.stdout.write(`replicas: failed attempts by status ${byStatus.join(', ')}\n`);
    for (const attempt of failures.filter((failure) => typeof failure.status === 'number')) {
      expect([409, 429, 502, 503, 504], attempt.text).toContain(attempt.status);
      if (attempt.status === 409) expect(attempt.text).toContain('still in progress');
      expect(attempt.text).not.toMatch(/ECONNRESET|ECONNREFUSED|ERR_|socket hang up/);
    }

    // Items: each key once, the total exact.
    const bill = await via<Bill>('GET', `/v1/customers/${customer}/bills/${period}`);
    expect(bill.json.itemCount).toBe(ITEMS);
    expect(bill.json.items?.map((item) => item.idempotencyKey).sort()).toEqual(work.slice(0, ITEMS).map((item) => item.key).sort());
    expect(minorUnits(bill.json.total.amount)).toBe(work.slice(0, ITEMS).reduce((sum, item) => sum + minorUnits(item.body.amount as string), 0n));
    // Ledger: one entry per top-up key, the balance exact.
    const entries = await via<{ items: Array<{ idempotencyKey: string }> }>('GET', `/v1/customers/${customer}/entries?limit=200`);
    expect(entries.status, entries.text).toBe(200);
    expect(entries.json.items).toHaveLength(TOP_UPS);
    expect(new Set(entries.json.items.map((entry) => entry.idempotencyKey)).size).toBe(TOP_UPS);
    const accounts = await via<{ items: Array<{ kind: string; balance: { amount: string } }> }>('GET', `/v1/customers/${customer}/accounts`);
    const wallet = accounts.json.items.find((account) => account.kind === 'wallet');
    expect(minorUnits(wallet?.balance.amount ?? '0')).toBe(work.slice(ITEMS, ITEMS + TOP_UPS).reduce((sum, item) => sum + minorUnits(item.body.amount as string), 0n));

    // Webhooks: one delivery per event, every one delivered, none sent more often than it was attempted.
    const events = await eventIds(customer);
    await waitUntil('every event of the run delivered', async () => events.every((id) => received.has(id)), 30_000);
    const deliveries = await db.query<{ event_id: string; status: string; attempt_count: number }>(
      'SELECT event_id, status, attempt_count FROM webhook_deliveries WHERE customer_id = $1', [customer]);
    expect(deliveries.rows.map((row) => row.event_id).sort()).toEqual([...events].sort());
    for (const row of deliveries.rows) {
      expect(row.status).toBe('succeeded');
      expect(received.get(row.event_id) ?? 0).toBeLessThanOrEqual(row.attempt_count);
    }
    // Mandates: one per key, its first cycle collected once, its bill item there once.
    for (let index = 0; index < MANDATES; index++) {
      const path = mandatesPath(`${customer}-m${index}`);
      const listed = await via<{ items: Mandate[] }>('GET', path);
      expect(listed.json.items, `${path} holds one mandate`).toHaveLength(1);
      const mandate = listed.json.items[0]!;
      await waitUntil(`${mandate.id} collected`, async () => (await via<Mandate>('GET', `${path}/${mandate.id}`)).json.collectionsCompleted >= 1);
      const collections = await via<{ items: Collection[] }>('GET', `${path}/${mandate.id}/collections`);
      expect(collections.json.items.map((collection) => [collection.cycle, collection.status])).toEqual([[1, 'SUCCEEDED']]);
      const key = `mandate:${mandate.id}:1`;
      await waitUntil(`${mandate.id}'s bill item`, async () =>
        ((await via<Bill>('GET', `/v1/customers/${customer}-m${index}/bills/${today.slice(0, 7)}`)).json.items ?? []).some((item) => item.idempotencyKey === key));
      const bill = await via<Bill>('GET', `/v1/customers/${customer}-m${index}/bills/${today.slice(0, 7)}`);
      expect(bill.json.items?.filter((item) => item.idempotencyKey === key)).toHaveLength(1);
    }
    process.stdout.write(`replicas: ${work.length} keys, ${attempts.length} attempts, ${failures.length} failed attempts, ` +
      `${events.length} events delivered, ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 180_000);
});

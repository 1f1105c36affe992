import { randomUUID } from 'node:crypto';
import { Code, type Client } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BillService, BillStatus, IngestStatus, UsageService, type IngestResult, type UsageEvent } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { freePort } from '@billing/devstack';
import { createGrpcClient, withPrincipal, type GrpcServer } from '@billing/grpc-kit';
import { failureOf } from '@billing/grpc-kit/testing';
import { createLogger } from '@billing/runtime';
import { aggregate, checkPrice, priceQuantity, type Aggregation } from '@billing/usage';
import { startBillService } from '../src/app.ts';
import { newCustomer, testEnv } from './support/bill-service.ts';

// UsageService over real gRPC on loopback, with the suite's PostgreSQL, Temporal and worker: the
// worker's close turns a bill's usage into its line items.

let server: GrpcServer;
let usage: Client<typeof UsageService>;
let bills: Client<typeof BillService>;
let db: Db;

beforeAll(async () => {
  const port = await freePort();
  server = await startBillService(testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1' }), createLogger('bill-service', 'warn'));
  const url = `http://127.0.0.1:${port}`;
  usage = createGrpcClient(UsageService, url, { serviceCredential: inject('serviceToken') });
  // A close waits up to BILL_CLOSE_WAIT (10 s) for invoicing, which renders the documents: the client waits longer.
  bills = createGrpcClient(BillService, url, { serviceCredential: inject('serviceToken'), timeoutMs: 30_000 });
  db = createDb({ url: inject('databaseUrl'), poolMax: 3 });
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

const code = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;
const now = () => new Date().toISOString();
const currentPeriod = () => new Date().toISOString().slice(0, 7);

function event(customerId: string, metric: string, properties: Record<string, string> = {}, extra: Partial<UsageEvent> = {}) {
  return { transactionId: randomUUID(), customerId, metric, timestamp: now(), properties, ...extra };
}

const statuses = (results: IngestResult[]) => results.map((result) => [IngestStatus[result.status], result.reason]);

describe('UsageService: metrics', () => {
  it('defines a metric once, changes its meaning only until events reference it, and its name always', async () => {
    const metric = code('gb');
    const first = await usage.createMetric({ code: metric, name: 'Storage', aggregation: 'SUM', field: 'gb' });
    expect(first).toMatchObject({ created: true, metric: { code: metric, aggregation: 'SUM', field: 'gb', version: 1 } });
    expect((await usage.createMetric({ code: metric, name: 'Storage', aggregation: 'SUM', field: 'gb' })).created).toBe(false);
    // No events yet: the meaning may change, and the version says it did.
    expect((await usage.createMetric({ code: metric, name: 'Storage', aggregation: 'MAX', field: 'gb' })).metric?.version).toBe(2);

    const sent = await usage.ingest({ events: [event(newCustomer('m'), metric, { gb: '1' })] });
    expect(statuses(sent.results)).toEqual([['ACCEPTED', '']]);
    const refused = await failureOf(usage.createMetric({ code: metric, name: 'Storage', aggregation: 'SUM', field: 'gb' }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toMatch(/has events/);
    const renamed = await usage.createMetric({ code: metric, name: 'Disk', aggregation: 'MAX', field: 'gb' });
    expect(renamed.metric).toMatchObject({ name: 'Disk', aggregation: 'MAX', version: 2 });
    expect((await usage.getMetric({ code: metric })).metric?.referencedAt).toBeDefined();
  });

  it('refuses metrics and prices that could not be computed, naming the field, and leaves them to platform callers', async () => {
    expect((await failureOf(usage.createMetric({ code: 'Bad', name: 'x', aggregation: 'AVG' }))).message).toMatch(/code: .*aggregation: /);
    const metric = code('calls');
    await usage.createMetric({ code: metric, name: 'Calls', aggregation: 'COUNT' });
    expect((await failureOf(usage.setPrice({ metricCode: metric, currency: 'USD', model: 'PER_UNIT', unitPrice: '0.001', tiers: [{ unitPrice: '1' }] })))
      .message).toMatch(/tiers: is not used by PER_UNIT/);
    expect((await failureOf(usage.setPrice({ metricCode: 'nope', currency: 'USD', model: 'PER_UNIT', unitPrice: '1' }))).code).toBe(Code.NotFound);
    const asCustomer = withPrincipal({ keyId: 'key_t', customerId: 'c1' });
    expect((await failureOf(usage.setPrice({ metricCode: metric, customerId: 'c1', currency: 'USD', model: 'PER_UNIT', unitPrice: '0' }, asCustomer))).code)
      .toBe(Code.PermissionDenied);
  });
});

describe('UsageService: ingest', () => {
  it('answers every event of a batch on its own: accepted, duplicate or rejected with its reason', async () => {
    const sum = code('tokens');
    await usage.createMetric({ code: sum, name: 'Tokens', aggregation: 'SUM', field: 'n' });
    const customer = newCustomer('ing');
    const repeated = event(customer, sum, { n: '5' });
    const day = 24 * 60 * 60 * 1000;
    const batch = [
      repeated,
      { ...repeated, properties: { n: '999' } },
      event(customer, 'no_such_metric'),
      event(customer, sum),
      event(customer, sum, { n: '12abc' }),
      event(customer, sum, { n: '1' }, { timestamp: new Date(Date.now() - 36 * day).toISOString() }),
      event(customer, sum, { n: '1' }, { timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }),
      event(customer, sum, { n: '1' }, { timestamp: 'yesterday' }),
      event(customer, sum, { n: '1' }, { transactionId: '' }),
      event(customer, sum, { n: '0.25' }),
      event(customer, sum, { n: '1', note: 'a\u0000b' }),
      event(customer, `${sum}\u0000`, { n: '1' }),
    ];
    const first = await usage.ingest({ events: batch });
    expect(statuses(first.results)).toEqual([
      ['ACCEPTED', ''],
      ['DUPLICATE', ''],
      ['REJECTED', expect.stringMatching(/not defined/)],
      ['REJECTED', expect.stringMatching(/properties.n is missing/)],
      ['REJECTED', expect.stringMatching(/non-negative decimal/)],
      ['REJECTED', 'timestamp is more than 35 days old'],
      ['REJECTED', 'timestamp is more than 5 minutes ahead'],
      ['REJECTED', expect.stringMatching(/RFC 3339/)],
      ['REJECTED', expect.stringMatching(/transactionId/)],
      ['ACCEPTED', ''],
      ['REJECTED', expect.stringMatching(/^properties\.[a-z]+: must not contain control characters .*U\+0000/)],
      ['REJECTED', expect.stringMatching(/is not defined/)],
    ]);
    // Sent again (a retry after a lost answer): the stored ones are duplicates, nothing is stored twice.
    const again = await usage.ingest({ events: [batch[0] as UsageEvent, batch[9] as UsageEvent] });
    expect(statuses(again.results)).toEqual([['DUPLICATE', ''], ['DUPLICATE', '']]);
    const stored = await db('usage_events').where({ customer_id: customer }).orderBy('seq').select('value');
    expect(stored).toEqual([{ value: '5' }, { value: '0.25' }]);

    const from = new Date(Date.now() - 60_000);
    const read = await usage.getUsage({
      customerId: customer, metric: sum,
      from: { seconds: BigInt(Math.floor(from.getTime() / 1000)), nanos: 0 }, to: { seconds: BigInt(Math.floor(Date.now() / 1000) + 600), nanos: 0 },
    });
    expect(read.lines.map((line) => [line.metric, line.quantity, line.eventCount])).toEqual([[sum, '5.25', 2n]]);
  });

  it('lets a customer caller send only its own customer\'s events, and refuses an empty or oversized batch', async () => {
    const metric = code('calls');
    await usage.createMetric({ code: metric, name: 'Calls', aggregation: 'COUNT' });
    const own = newCustomer('own');
    const asOwn = withPrincipal({ keyId: 'key_t', customerId: own });
    const answer = await usage.ingest({ events: [event(own, metric), event(newCustomer('other'), metric)] }, asOwn);
    expect(statuses(answer.results)).toEqual([['ACCEPTED', ''], ['REJECTED', expect.stringMatching(/another customer/)]]);
    const tooMany = Array.from({ length: 1_001 }, () => event(own, metric));
    expect((await failureOf(usage.ingest({ events: tooMany }))).code).toBe(Code.InvalidArgument);
    expect((await failureOf(usage.ingest({ events: [] }))).code).toBe(Code.InvalidArgument);
    expect(await db('usage_events').where({ customer_id: own }).count({ n: '*' })).toEqual([{ n: '1' }]);
  });
});

describe('UsageService: many small calls at once', () => {
  it('answers each concurrent call with its own results, as if the calls had come one after the other', async () => {
    const metric = code('calls');
    await usage.createMetric({ code: metric, name: 'Calls', aggregation: 'COUNT' });
    const customer = newCustomer('many');
    const twice = event(customer, metric);
    const calls = [
      ...Array.from({ length: 40 }, () => usage.ingest({ events: [event(customer, metric)] })),
      usage.ingest({ events: [twice] }), usage.ingest({ events: [twice] }),
      usage.ingest({ events: [event(newCustomer('other'), metric)] }, withPrincipal({ keyId: 'key_t', customerId: customer })),
    ];
    const answers = (await Promise.all(calls)).map((answer) => statuses(answer.results));
    expect(answers.slice(0, 40)).toEqual(Array.from({ length: 40 }, () => [['ACCEPTED', '']]));
    expect([answers[40], answers[41]].map((answer) => answer?.[0]?.[0]).sort()).toEqual(['ACCEPTED', 'DUPLICATE']);
    expect(answers[42]).toEqual([['REJECTED', expect.stringMatching(/another customer/)]]);
    expect(await db('usage_events').where({ customer_id: customer }).count({ n: '*' })).toEqual([{ n: '41' }]);
  });
});

describe('closing a bill with usage', () => {
  it('puts every event accepted before the close on the bill exactly once, priced once, and refuses the rest', async () => {
    const calls = code('calls');
    const gb = code('gb');
    await usage.createMetric({ code: calls, name: 'API calls', aggregation: 'COUNT', filters: [{ key: 'region', values: ['eu', 'us'] }] });
    await usage.createMetric({ code: gb, name: 'Storage', aggregation: 'MAX', field: 'gb' });
    const customer = newCustomer('close');
    await usage.setPrice({
      metricCode: calls, currency: 'USD', model: 'GRADUATED',
      tiers: [{ upTo: '100', unitPrice: '0.01', flatFee: '1.00' }, { unitPrice: '0.005' }],
    });
    // The customer's own price wins over the platform's.
    await usage.setPrice({ metricCode: gb, currency: 'USD', model: 'PER_UNIT', unitPrice: '9' });
    await usage.setPrice({ metricCode: gb, customerId: customer, currency: 'USD', model: 'PER_UNIT', unitPrice: '0.333' });
    const period = currentPeriod();
    await bills.createBill({ customerId: customer, billingPeriod: period, currency: 'USD', timeZone: 'UTC' });

    const accepted: UsageEvent[] = [];
    let rejectedClosed = 0;
    let closing = false;
    let closedSeen = false;
    const sender = async (worker: number) => {
      for (let round = 0; !closedSeen; round++) {
        const batch = Array.from({ length: 25 }, (_, i) => (i % 5 === 0
          ? event(customer, gb, { gb: `${worker}.${round}${i}` })
          : event(customer, calls, { region: ['eu', 'us', 'ap'][(round + i) % 3] as string })));
        const answer = await usage.ingest({ events: batch });
        answer.results.forEach((result, index) => {
          if (result.status === IngestStatus.ACCEPTED) accepted.push(batch[index] as UsageEvent);
          else if (result.status === IngestStatus.REJECTED && /already closed/.test(result.reason)) rejectedClosed++;
          else throw new Error(`unexpected answer ${IngestStatus[result.status]} ${result.reason}`);
        });
        if (closing && rejectedClosed > 0) closedSeen = true;
      }
    };
    const senders = [1, 2, 3].map(sender);
    await new Promise((resolve) => setTimeout(resolve, 300));
    closing = true;
    const closed = (await bills.closeBill({ customerId: customer, billingPeriod: period })).bill;
    await Promise.all(senders);
    expect(closed?.status).toBe(BillStatus.CLOSED);
    expect(rejectedClosed).toBeGreaterThan(0);

    // Recomputed from the accepted events alone, with the pure aggregation and price models.
    const stored = await db('usage_events').where({ customer_id: customer }).orderBy('seq').select('metric_code', 'ts', 'value', 'dimension');
    expect(stored).toHaveLength(accepted.length);
    const expected = [[calls, 'COUNT', checkPrice({ currency: 'USD', model: 'GRADUATED', tiers: [{ upTo: '100', unitPrice: '0.01', flatFee: '1.00' }, { upTo: null, unitPrice: '0.005' }] })],
      [gb, 'MAX', checkPrice({ currency: 'USD', model: 'PER_UNIT', unitPrice: '0.333' })]] as const;
    const lines = await db('usage_line_items').where({ bill_id: closed?.id }).orderBy(['metric_code', 'dimension']);
    const wanted = expected.flatMap(([metric, aggregation, price]) => {
      if (!price.ok) throw new Error('bad price');
      return aggregate(aggregation as Aggregation, stored.filter((row) => row.metric_code === metric)
        .map((row) => ({ ts: (row.ts as Date).toISOString(), value: row.value as string | null, dimension: row.dimension as string | null })))
        .map((one) => ({ metric, ...one, amountMinor: priceQuantity(price.price, one.quantity).amount.minor.toString() }));
    }).sort((a, b) => (a.metric + a.dimension < b.metric + b.dimension ? -1 : 1));
    expect(lines.map((line) => ({
      metric: line.metric_code, dimension: line.dimension, quantity: line.quantity, eventCount: Number(line.event_count), amountMinor: line.amount_minor,
    }))).toEqual(wanted.map(({ metric, dimension, quantity, eventCount, amountMinor }) => ({ metric, dimension, quantity, eventCount, amountMinor })));
    expect(lines.length).toBe(3);
    // Every accepted event inside the filters is counted once: "ap" is outside them.
    const counted = lines.reduce((total, line) => total + Number(line.event_count), 0);
    expect(counted).toBe(stored.filter((row) => row.dimension !== null).length);

    const total = lines.reduce((sum, line) => sum + BigInt(line.amount_minor as string), 0n);
    const minor = BigInt(closed?.total?.amount.replace('.', '') ?? 'x');
    expect(minor).toBe(total);
    const read = (await bills.getBill({ customerId: customer, billingPeriod: period })).bill;
    expect(read?.items.filter((item) => item.metadata.usageMetric !== undefined)).toHaveLength(lines.length);
  });
});

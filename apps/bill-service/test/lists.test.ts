import { randomBytes } from 'node:crypto';
import { Code, type Client } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BillService, EventService, Frequency, LedgerService, MandateService, WebhookService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { freePort } from '@billing/devstack';
import { createGrpcClient, type GrpcServer } from '@billing/grpc-kit';
import { failureOf } from '@billing/grpc-kit/testing';
import { createLogger } from '@billing/runtime';
import { startBillService } from '../src/app.ts';
import { endpointsRepository } from '../src/webhooks/endpoints-repository.ts';
import { futurePeriod, newCustomer, testEnv } from './support/bill-service.ts';

// Every list bill-service serves, over real gRPC on loopback, the suite's PostgreSQL, Temporal and
// worker: each follows the one page convention (limit, cursor, next_cursor absent on the last
// page), pages through its rows exactly once, and refuses a cursor it did not issue, naming it.

let server: GrpcServer;
let db: Db;
const clients = {} as {
  bills: Client<typeof BillService>;
  events: Client<typeof EventService>;
  ledger: Client<typeof LedgerService>;
  mandates: Client<typeof MandateService>;
  webhooks: Client<typeof WebhookService>;
};

interface Page {
  ids: string[];
  nextCursor: string | undefined;
}
type Lister = (limit: number, cursor: string) => Promise<Page>;

const customer = newCustomer('lists');
const period = futurePeriod(2);
const lists = {} as Record<string, Lister>;

beforeAll(async () => {
  const port = await freePort();
  const env = testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1' });
  server = await startBillService(env, createLogger('bill-service', 'warn'));
  const url = `http://127.0.0.1:${port}`;
  const options = { serviceCredential: inject('serviceToken'), timeoutMs: 30_000 };
  clients.bills = createGrpcClient(BillService, url, options);
  clients.events = createGrpcClient(EventService, url, options);
  clients.ledger = createGrpcClient(LedgerService, url, options);
  clients.mandates = createGrpcClient(MandateService, url, options);
  clients.webhooks = createGrpcClient(WebhookService, url, options);
  db = createDb({ url: inject('databaseUrl'), poolMax: 3 });

  // Rows for every list, some made at once so that several share a millisecond.
  for (const ahead of [2, 3, 4, 5, 6]) await clients.bills.createBill({ customerId: customer, billingPeriod: futurePeriod(ahead), currency: 'USD' });
  for (let n = 1; n <= 5; n += 1) {
    await clients.bills.addLineItem({ customerId: customer, billingPeriod: period, idempotencyKey: `item-${n}`, description: `Item ${n}`, amount: `${n}.00`, metadata: {} });
  }
  const deliveriesTo = await endpointsRepository(db).create(
    { url: 'http://127.0.0.1:9/hook', eventTypes: ['ledger.entry_posted'], customerId: customer, description: null, ordered: false },
    randomBytes(32).toString('base64'),
  );
  await Promise.all(Array.from({ length: 7 }, (_, n) =>
    clients.ledger.topUp({ customerId: customer, amount: { amount: `${n + 1}.00`, currency: 'USD' }, idempotencyKey: `top-up-${n}` })));
  await Promise.all(Array.from({ length: 4 }, () =>
    clients.webhooks.createWebhookEndpoint({ url: 'https://93.184.215.14/hooks', events: ['bill.closed'], customerId: customer })));
  let mandateId = '';
  for (let n = 0; n < 5; n += 1) {
    const { mandate } = await clients.mandates.createMandate({
      customerId: customer, idempotencyKey: `mandate-${n}`, description: `Plan ${n}`, amount: '10.00', currency: 'USD',
      frequency: Frequency.MONTHLY, firstCollectionDate: '2031-01-31', timeZone: 'UTC', collectionTime: '09:30', autoExecution: true,
      reminderDaysBefore: 0,
    });
    mandateId ||= mandate!.id;
  }
  // Collections are written by the mandate workflow as cycles fall due; these stand for five past cycles.
  await db('mandate_collections').insert([1, 2, 3, 4, 5].map((cycle) => ({
    mandate_id: mandateId, cycle, due_date: `2031-0${cycle}-01`, status: 'SUCCEEDED', amount_minor: 1000, currency: 'USD', updated_at: new Date(),
  })));

  const bill = { customerId: customer, billingPeriod: period };
  lists['line items'] = async (limit, cursor) => {
    const page = await clients.bills.listLineItems({ ...bill, limit, cursor });
    return { ids: page.items.map((item) => item.id), nextCursor: page.nextCursor };
  };
  lists.bills = async (limit, cursor) => {
    const page = await clients.bills.listBills({ customerId: customer, limit, cursor });
    return { ids: page.bills.map((each) => each.billingPeriod), nextCursor: page.nextCursor };
  };
  lists.events = async (limit, cursor) => {
    const page = await clients.events.listEvents({ customerId: customer, limit, cursor });
    return { ids: page.events.map((event) => event.id), nextCursor: page.nextCursor };
  };
  lists.entries = async (limit, cursor) => {
    const page = await clients.ledger.listEntries({ customerId: customer, limit, cursor });
    return { ids: page.entries.map((entry) => entry.id), nextCursor: page.nextCursor };
  };
  lists.mandates = async (limit, cursor) => {
    const page = await clients.mandates.listMandates({ customerId: customer, limit, cursor });
    return { ids: page.mandates.map((mandate) => mandate.id), nextCursor: page.nextCursor };
  };
  lists.collections = async (limit, cursor) => {
    const page = await clients.mandates.listCollections({ customerId: customer, mandateId, limit, cursor });
    return { ids: page.collections.map((collection) => String(collection.cycle)), nextCursor: page.nextCursor };
  };
  lists['webhook endpoints'] = async (limit, cursor) => {
    const page = await clients.webhooks.listWebhookEndpoints({ customerId: customer, limit, cursor });
    return { ids: page.endpoints.map((endpoint) => endpoint.id), nextCursor: page.nextCursor };
  };
  lists['webhook deliveries'] = async (limit, cursor) => {
    const page = await clients.webhooks.listWebhookDeliveries({ endpointId: deliveriesTo.id, customerId: customer, limit, cursor });
    return { ids: page.deliveries.map((delivery) => delivery.id), nextCursor: page.nextCursor };
  };
}, 120_000);

afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

async function pageThrough(list: Lister, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor = '';
  let pages = 0;
  do {
    const page = await list(limit, cursor);
    pages += 1;
    ids.push(...page.ids);
    if (page.nextCursor !== undefined) expect(page.ids).toHaveLength(limit);
    cursor = page.nextCursor ?? '';
  } while (cursor !== '' && pages < 100);
  return { ids, pages };
}

const EXPECTED_AT_LEAST: Record<string, number> = {
  'line items': 5, bills: 5, events: 7, entries: 7, mandates: 5, collections: 5, 'webhook endpoints': 5, 'webhook deliveries': 7,
};

describe('every list', () => {
  it('pages through its rows two at a time, each exactly once and in the order of one whole page', async () => {
    for (const [name, list] of Object.entries(lists)) {
      // The suite's worker still writes some rows after the calls that cause them (a bill's and a
      // mandate's events): page once the list has stopped growing.
      let whole = await list(200, '');
      for (let settledBy = Date.now() + 20_000; Date.now() < settledBy;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const again = await list(200, '');
        if (again.ids.join() === whole.ids.join()) break;
        whole = again;
      }
      expect(whole.nextCursor, name).toBeUndefined();
      expect(whole.ids.length, name).toBeGreaterThanOrEqual(EXPECTED_AT_LEAST[name]!);
      const paged = await pageThrough(list, 2);
      expect(paged.ids, name).toEqual(whole.ids);
      expect(new Set(paged.ids).size, name).toBe(paged.ids.length);
      expect(paged.pages, name).toBe(Math.ceil(whole.ids.length / 2));
    }
  });

  it('answers 50 rows at most by default and refuses a limit outside 1–200, naming it', async () => {
    for (const [name, list] of Object.entries(lists)) {
      const defaults = await list(0, '');
      expect(defaults.ids.length, name).toBeLessThanOrEqual(50);
      for (const limit of [-1, 201]) {
        const refused = await failureOf(list(limit, ''));
        expect(refused.code, name).toBe(Code.InvalidArgument);
        expect(refused.rawMessage, name).toMatch(/^limit: /);
      }
    }
  });

  it('refuses a cursor it did not issue, another list\'s included, naming the cursor', async () => {
    const issued: Record<string, string> = {};
    for (const [name, list] of Object.entries(lists)) issued[name] = (await list(1, '')).nextCursor!;
    const encode = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const names = Object.keys(lists);
    for (const [index, [name, list]] of Object.entries(lists).entries()) {
      const otherList = issued[names[(index + 1) % names.length]!]!;
      const forged = [
        'garbage', 'bm90LWEtY3Vyc29y', `${issued[name]}!`, 'a'.repeat(600), otherList,
        encode(['p1', 'nope', '1']), encode(['p1', 'events', '1', '2', '3']), encode(['p1', 'entries', 'x', 'y']),
        encode(['p1', 'bills', '1999-13']), encode(['p1', 'line-items', '0']), encode({ list: 'events' }),
      ];
      for (const cursor of forged) {
        const refused = await failureOf(list(2, cursor));
        expect(refused.code, `${name} ${cursor}`).toBe(Code.InvalidArgument);
        expect(refused.rawMessage, `${name} ${cursor}`).toMatch(/^cursor: /);
      }
    }
  });
});

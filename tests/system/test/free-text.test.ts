import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, futurePeriod, newCustomer, type Bill } from './bills-api.ts';

// Control characters and an unpaired surrogate in every string field of every JSON body the
// gateway documents, read from its own /openapi.json, through the real gateway and services. Each
// answer is a 4xx naming the field with nothing written, or a 2xx that stores exactly what was
// sent. A body operation added later fails the first test until it has a valid base body here.

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
type Path = ReadonlyArray<string | number>;
interface Base {
  url: string;
  body: Record<string, unknown>;
}

const HOSTILE: Record<string, string> = {
  NUL: 'a\u0000b', BEL: 'a\u0007b', ESC: 'a\u001bb', CR: 'a\rb', DEL: 'a\u007fb', NEL: 'a\u0085b', 'C1 U+009F': 'a\u009fb',
  'lone high surrogate': 'a\ud800b', 'lone low surrogate': 'a\udc00b',
};
// Tables a body request of the API can write to; none may change while hostile text is refused.
const TABLES = [
  'api_keys', 'bills', 'line_items', 'mandates', 'ledger_entries', 'simulator_script', 'webhook_endpoints', 'idempotency_records',
  'usage_metrics', 'usage_prices', 'usage_events', 'credit_notes', 'customers',
];
/**
 * Operations that answer a batch item by item: a 200 whose result for the changed item must be
 * `rejected` with a reason naming the field (or a 400 naming it, when the whole body is refused).
 */
const PER_ITEM = new Set(['ingestUsageEvents']);

let document: Document;
let db: pg.Client;
let bases: Record<string, Base>;
/**
 * For a field of another `oneOf` branch than its operation's base body takes (an item's quantity
 * and unit price, where the base gives an amount): a valid base of that branch, by top-level field.
 */
let branchBases: Record<string, Record<string, Base>>;

function resolve(schema: Schema): Schema {
  let node = schema;
  while (node.$ref !== undefined) node = document.components?.schemas?.[node.$ref.split('/').pop() ?? ''] ?? {};
  return node;
}

/** Every place a body can hold a string (enums aside): `k` stands for any key of a map, 0 for any item. */
function stringSlots(schema: Schema, path: Path = [], depth = 0): Path[] {
  const node = resolve(schema);
  if (depth > 5) return [];
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const slots: Path[] = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]
    .flatMap((branch) => stringSlots(branch, path, depth + 1));
  if (types.includes('string') && node.enum === undefined && node.const === undefined) slots.push(path);
  for (const [name, property] of Object.entries(node.properties ?? {})) slots.push(...stringSlots(property, [...path, name], depth + 1));
  if (typeof node.additionalProperties === 'object') slots.push(...stringSlots(node.additionalProperties, [...path, 'k'], depth + 1));
  if (node.items !== undefined) slots.push(...stringSlots(node.items, [...path, 0], depth + 1));
  return slots;
}

function withValue(body: unknown, path: Path, value: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const items = Array.isArray(body) && body.length > 0 ? [...body] : [{}];
    items[0] = withValue(items[0], rest, value);
    return items;
  }
  const node = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  node[head] = withValue(node[head], rest, value);
  return node;
}

/** The field as the API names it in an error's details: `outcomes[0].reason`, `metadata.k`. */
function fieldName(path: Path): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return counts;
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: inject('databaseUrl') });
  await db.connect();
  document = (await call<Document>('GET', '/openapi.json')).json;

  // One customer with a bill, a mandate, a paid bill to refund and a webhook endpoint: each base
  // body below is valid, so a refusal can only be about the field changed in it.
  const customer = newCustomer('text');
  const period = futurePeriod();
  const today = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const bill = await call<Bill>('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: period } });
  expect(bill.status).toBe(201);
  const mandate = await call<{ id: string }>('POST', `/v1/customers/${customer}/mandates`, {
    key: `${customer}-mandate`,
    body: { description: 'Hosting', amount: '10.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, autoExecution: true },
  });
  expect(mandate.status, mandate.text).toBe(201);
  const endpoint = await call<{ id: string }>('POST', '/v1/webhook-endpoints', {
    body: { url: 'http://127.0.0.1:9/free-text', events: ['bill.closed'], customerId: customer },
  });
  expect(endpoint.status, endpoint.text).toBe(201);
  const profile = { legalName: 'Text GmbH', email: 'ap@text.example', billingAddress: { line1: 'Ring 1', line2: 'Hof 2', city: 'Wien', postalCode: '1010', region: 'Wien', country: 'AT' }, taxId: 'ATU12345678', locale: 'de', timeZone: 'Europe/Vienna', currency: 'USD', electronicAddress: '9915:ATU12345678' };
  const profiled = await call('PUT', `/v1/customers/${customer}`, { body: profile });
  expect(profiled.status, profiled.text).toBe(201);
  const mandateUrl = `/v1/customers/${customer}/mandates/${mandate.json.id}`;
  const metric = `ft_${Date.now().toString(36)}`;
  // A closed bill to credit: each credit of 0.01 of 100.00 is accepted.
  const creditedPeriod = futurePeriod(4);
  await call('POST', `/v1/customers/${customer}/bills`, { body: { currency: 'USD', billingPeriod: creditedPeriod } });
  await call('POST', `/v1/customers/${customer}/bills/${creditedPeriod}/items`, { body: { description: 'Seats', amount: '100.00' } });
  await call('POST', `/v1/customers/${customer}/bills/${creditedPeriod}/close`);
  const creditedItem = (await call<Bill>('GET', `/v1/customers/${customer}/bills/${creditedPeriod}`)).json.items?.[0]?.id;
  const created = await call('POST', '/v1/metrics', { body: { code: metric, name: 'Seats', aggregation: 'SUM', field: 'n' } });
  expect(created.status, created.text).toBeLessThan(300);
  bases = {
    createBill: { url: `/v1/customers/${customer}/bills`, body: { currency: 'USD', billingPeriod: futurePeriod(3) } },
    addLineItem: { url: `/v1/customers/${customer}/bills/${period}/items`, body: { description: 'Seats', amount: '1.00', metadata: { k: 'v' } } },
    createMandate: { url: `/v1/customers/${customer}/mandates`, body: { description: 'Support', amount: '1.00', currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, endDate: today, timeZone: 'UTC', collectionTime: '09:00', autoExecution: true } },
    updateMandate: { url: mandateUrl, body: { description: 'Hosting plus', amount: '11.00', currency: 'USD', endDate: '2099-01-01' } },
    pauseMandate: { url: `${mandateUrl}/pause`, body: { resumeOn: '2099-01-01' } },
    scriptOutcomes: { url: '/v1/payment-simulator/outcomes', body: { customerId: newCustomer('script'), outcomes: [{ outcome: 'DECLINE', reason: 'Card expired' }] } },
    createApiKey: { url: '/v1/api-keys', body: { name: 'free text', customerId: newCustomer('key') } },
    topUpWallet: { url: `/v1/customers/${customer}/wallet/top-ups`, body: { amount: '1.00', currency: 'USD' } },
    withdrawFromWallet: { url: `/v1/customers/${customer}/wallet/withdrawals`, body: { amount: '1.00', currency: 'USD' } },
    createTransfer: { url: '/v1/transfers', body: { fromCustomerId: customer, toCustomerId: newCustomer('to'), amount: '1.00', currency: 'USD' } },
    refundPayment: { url: `/v1/customers/${customer}/payments/ent_1/refunds`, body: { amount: '1.00', currency: 'USD' } },
    issueCreditNote: { url: `/v1/customers/${customer}/bills/${creditedPeriod}/credit-notes`, body: { reason: 'Goodwill', amount: '0.01', settlement: 'outOfBand' } },
    createAdjustment: { url: '/v1/ledger/adjustments', body: { customerId: customer, account: 'wallet', direction: 'credit', amount: '1.00', currency: 'USD', reason: 'Goodwill' } },
    createWebhookEndpoint: { url: '/v1/webhook-endpoints', body: { url: 'http://127.0.0.1:9/hook', events: ['bill.closed'], customerId: customer, description: 'Books' } },
    updateWebhookEndpoint: { url: `/v1/webhook-endpoints/${endpoint.json.id}`, body: { url: 'http://127.0.0.1:9/hook2', description: 'Books' } },
    createMetric: { url: '/v1/metrics', body: { code: `${metric}_b`, name: 'Storage', aggregation: 'SUM', field: 'gb', filters: [{ key: 'region', values: ['eu'] }] } },
    setMetricPrice: { url: `/v1/metrics/${metric}/price`, body: { currency: 'USD', model: 'PER_UNIT', unitPrice: '0.01' } },
    setCustomerPrice: { url: `/v1/customers/${customer}/prices/${metric}`, body: { currency: 'USD', model: 'PER_UNIT', unitPrice: '0.02' } },
    putCustomer: { url: `/v1/customers/${customer}`, body: profile },
    updateCustomer: { url: `/v1/customers/${customer}`, body: profile },
    ingestUsageEvents: {
      url: '/v1/usage-events',
      body: { events: [{ transactionId: `${metric}-base`, customerId: customer, metric, timestamp: new Date().toISOString(), properties: { n: '1', k: 'v' } }] },
    },
  };
  const priced: Base = { url: bases.addLineItem!.url, body: { description: 'Seats', quantity: '2', unitPrice: '0.50', metadata: { k: 'v' } } };
  const byLines: Base = { url: bases.issueCreditNote!.url, body: { reason: 'Goodwill', lines: [{ itemId: creditedItem, amount: '0.01' }], settlement: 'outOfBand' } };
  branchBases = { addLineItem: { quantity: priced, unitPrice: priced }, issueCreditNote: { lines: byLines } };
}, 60_000);

afterAll(async () => {
  await db?.end();
});

function bodyOperations(): Array<{ method: string; operation: Operation; schema: Schema }> {
  return Object.values(document.paths).flatMap((methods) => Object.entries(methods).flatMap(([method, operation]) => {
    const schema = operation.requestBody?.content['application/json']?.schema;
    return schema === undefined ? [] : [{ method: method.toUpperCase(), operation, schema }];
  }));
}

describe('hostile characters in every string of every JSON body in /openapi.json', () => {
  it('has a valid base body for every operation with a string in its body, and it is accepted as it is', async () => {
    const withStrings = bodyOperations().filter(({ schema }) => stringSlots(schema).length > 0);
    expect(withStrings.length).toBeGreaterThanOrEqual(14);
    expect(withStrings.map(({ operation }) => operation.operationId).filter((id) => bases[id] === undefined), 'operations without a base body').toEqual([]);
    // The free-text fields, whose base must really be accepted for their refusals to mean anything.
    for (const id of ['addLineItem', 'createMandate', 'updateMandate', 'scriptOutcomes', 'createApiKey', 'createAdjustment', 'issueCreditNote', 'createWebhookEndpoint', 'updateWebhookEndpoint', 'createMetric', 'ingestUsageEvents', 'putCustomer', 'updateCustomer']) {
      const { method } = withStrings.find(({ operation }) => operation.operationId === id) ?? { method: 'POST' };
      for (const [label, base] of [['base', bases[id] as Base], ...Object.entries(branchBases[id] ?? {})] as const) {
        const answer = await call(method, base.url, { body: base.body, key: `${id}-${label}-${Date.now()}` });
        expect(answer.status, `${id} ${label}: ${answer.text}`).toBeLessThan(300);
      }
    }
  });

  it('answers each with a 400 naming the field and writes nothing, or stores exactly what was sent', async () => {
    // Let the writes of the base bodies (and what the worker does with them) settle first.
    let before = await rowCounts();
    for (let settled = false; !settled;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await rowCounts();
      settled = JSON.stringify(now) === JSON.stringify(before);
      before = now;
    }
    let sent = 0;
    const accepted: string[] = [];
    for (const { method, operation, schema } of bodyOperations()) {
      if (bases[operation.operationId] === undefined) continue;
      for (const path of stringSlots(schema)) {
        const base = branchBases[operation.operationId]?.[String(path[0])] ?? bases[operation.operationId]!;
        for (const [label, text] of Object.entries(HOSTILE)) {
          const what = `${operation.operationId} ${fieldName(path)} with ${label}`;
          const answer = await call<{ code: string; message: string; details?: Array<{ field: string }> }>(method, base.url, {
            // A batch answered item by item is a 200 whose record a key would keep; its items dedupe themselves.
            body: withValue(base.body, path, text), key: PER_ITEM.has(operation.operationId) ? undefined : `${operation.operationId}-${sent}-${Date.now()}`,
          });
          sent += 1;
          if (PER_ITEM.has(operation.operationId) && answer.status === 200) {
            const result = (answer.json as unknown as { results: Array<{ status: string; reason?: string }> }).results[0];
            expect(result?.status, `${what}: ${answer.text}`).toBe('rejected');
            // The reason starts with the field, without the item's place in the batch: `properties.k: ...`.
            const field = fieldName(path.slice(2));
            expect(result?.reason?.startsWith(field) === true || result?.reason?.startsWith(`${path[2]} `) === true, `${what}: ${answer.text}`).toBe(true);
            continue;
          }
          if (answer.status < 300) {
            // Stored exactly as sent: the answer shows the stored resource.
            expect(answer.text, what).toContain(JSON.stringify(text).slice(1, -1));
            accepted.push(what);
            continue;
          }
          expect(answer.status, `${what}: ${answer.text}`).toBe(400);
          expect(answer.json.code, what).toBe('invalid_argument');
          // The gateway's own refusals name the field in details; a service's in its message ("url: ...").
          const named = answer.json.details?.some((detail) => detail.field === fieldName(path)) === true ||
            answer.json.message.split('; ').some((problem) => problem.startsWith(`${fieldName(path)}: `));
          expect(named, `${what}: ${answer.text}`).toBe(true);
        }
      }
    }
    expect(sent).toBeGreaterThan(200);
    // Every character above is refused by the free-text rule, and no other string field takes one.
    expect(accepted).toEqual([]);
    const after = await rowCounts();
    expect(Object.keys(after).filter((table) => after[table] !== before[table]), 'tables written to').toEqual([]);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBillingPeriod, validateLineItem } from '@billing/bills';
import { CURRENCY_CODES, DEFAULT_UNITS, MAX_UNIT_EXPONENT, parseMoney, parseQuantity, parseUnitPrice, parseUnitRegistry } from '@billing/money';
import { buildTestGateway } from './support/in-memory-services.ts';

// The OpenAPI document must say exactly what the server accepts: each documented rule is checked
// here against the parser the services use, on values on both sides of its edges.

interface Schema {
  type?: string;
  pattern?: string;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxProperties?: number;
  description?: string;
  propertyNames?: { pattern: string };
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  required?: string[];
}
interface Parameter { name: string; in: string; description?: string; schema: Schema }
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, {
    content?: Record<string, { schema: Schema }>;
    links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
  }>;
}

let gateway: Awaited<ReturnType<typeof buildTestGateway>>;
let operations: Map<string, Operation & { path: string }>;
beforeAll(async () => {
  gateway = await buildTestGateway();
  const document = (await gateway.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
  operations = new Map(
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.values(methods).map((operation) => [operation.operationId, { ...operation, path }] as const),
    ),
  );
});
afterAll(async () => {
  await gateway.app.close();
});

function operation(id: string) {
  const found = operations.get(id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
}
const parameter = (id: string, name: string) => operation(id).parameters?.find((candidate) => candidate.name === name);
const body = (id: string) => operation(id).requestBody?.content['application/json']?.schema;
/**
 * The properties of a body, merged over its alternatives when it is a `oneOf`: a field two
 * alternatives share must be stated the same way in both.
 */
function bodyProperties(id: string): Record<string, Schema> {
  const schema = body(id);
  const merged: Record<string, Schema> = {};
  for (const branch of schema?.oneOf ?? [schema ?? {}]) {
    for (const [name, property] of Object.entries(branch.properties ?? {})) {
      if (merged[name] !== undefined) expect(property, `${id} ${name}`).toEqual(merged[name]);
      merged[name] = property;
    }
  }
  return merged;
}
// As the gateway's validator (TypeBox) compiles a pattern: with the `u` flag.
const matches = (schema: Schema | undefined, value: string) => new RegExp(schema?.pattern ?? '(?!)', 'u').test(value);
const accepted = (parse: () => unknown) => {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
};

describe('the OpenAPI document states the constraints the server enforces', () => {
  it('gives billing periods as months 01–12 of the years bill-service accepts', () => {
    const schemas = [
      parameter('getBill', 'billingPeriod')?.schema,
      body('createBill')?.properties?.billingPeriod,
      parameter('listBills', 'from')?.schema,
      parameter('listBills', 'to')?.schema,
    ];
    const samples = ['2000-01', '2999-12', '2031-02', '1999-12', '3000-01', '2031-00', '2031-13', '2031-1', '31-02', '2031-02x', ''];
    for (const schema of schemas) {
      for (const period of samples) expect(matches(schema, period), period).toBe(parseBillingPeriod(period) !== undefined);
    }
  });

  it('takes any code of the unit-code shape where a request names a currency, so the service can say why one is refused', () => {
    const schemas = [
      body('createBill')?.properties?.currency,
      bodyProperties('addLineItem').currency,
      body('createMandate')?.properties?.currency,
      body('updateMandate')?.properties?.currency,
      parameter('getRate', 'base')?.schema,
      parameter('getRate', 'quote')?.schema,
      parameter('listRates', 'base')?.schema,
    ];
    // Every ISO 4217 code and every registered unit reaches the service; what no registry could hold does not.
    const codes = [...CURRENCY_CODES, ...DEFAULT_UNITS.units.keys(), ...parseUnitRegistry('ABCDEFGHIJK1:0').units.keys()];
    for (const schema of schemas) {
      expect(schema).toMatchObject({ type: 'string' });
      expect(schema?.enum).toBeUndefined();
      for (const code of codes) expect(matches(schema, code), code).toBe(true);
      for (const code of ['usd', 'U', '1BTC', 'ABCDEFGHIJKLM', 'US D', "';--", '']) {
        expect(matches(schema, code), code).toBe(false);
        expect(() => parseUnitRegistry(`${code}:0`), code).toThrow();
      }
    }
  });

  it('gives the customer id pattern on every bill route', () => {
    for (const id of ['createBill', 'listBills', 'getBill', 'addLineItem', 'listLineItems', 'closeBill']) {
      expect(parameter(id, 'customerId')?.schema.pattern, id).toBe('^[A-Za-z0-9._-]{1,64}$');
    }
  });

  it('describes amounts, quantities and unit prices as exactly the decimals the money package parses as positive', () => {
    const item = bodyProperties('addLineItem');
    const samples = [
      '1', '10.50', '0.01', '0.0001', '0.00001', '0', '0.00', '-1', '-0', '01', '1.', '.5', '1e3', 'NaN', ' 1', '1,000',
      '99999999999999', '999999999999999', '0.000001', '0.0000001', '1.0000000001', '1.00000000001', '12345678901234.5678',
    ];
    for (const value of samples) {
      // The widest currency has 4 decimals (CLF); narrower ones are bill-service's to refuse.
      expect(matches(item?.amount, value), `amount ${value}`).toBe(accepted(() => parseMoney(value, 'CLF', { positive: true })));
      expect(matches(item?.quantity, value), `quantity ${value}`).toBe(accepted(() => parseQuantity(value, { positive: true })));
      expect(matches(item?.unitPrice, value), `unitPrice ${value}`).toBe(accepted(() => parseUnitPrice(value, 'USD', { positive: true })));
    }
  });

  it('describes ledger amounts as the decimals the money package parses as positive in the widest unit a deployment can register', () => {
    const widest = parseUnitRegistry(`WIDE:${MAX_UNIT_EXPONENT}`).units.get('WIDE');
    if (widest === undefined) throw new Error('no WIDE unit');
    const samples = [
      '1', '10.50', '0.000000000000000001', `0.${'0'.repeat(MAX_UNIT_EXPONENT - 1)}1`, `0.${'0'.repeat(MAX_UNIT_EXPONENT)}1`,
      `1.${'1'.repeat(MAX_UNIT_EXPONENT + 1)}`, '0', '0.0', '-1', '-0', '01', '1.', '.5', '1e3', 'NaN', '99999999999999', '999999999999999',
    ];
    for (const id of ['topUpWallet', 'withdrawFromWallet', 'createTransfer', 'createAdjustment', 'refundPayment']) {
      for (const value of samples) {
        expect(matches(body(id)?.properties?.amount, value), `${id} ${value}`).toBe(accepted(() => parseMoney(value, widest, { positive: true })));
      }
    }
  });

  it('admits every ISO 4217 code and every code a unit registry accepts as a ledger currency, and nothing else', () => {
    const currency = body('topUpWallet')?.properties?.currency;
    for (const code of [...CURRENCY_CODES, ...DEFAULT_UNITS.units.keys(), 'USDC', 'A1', 'GOLD999999999']) {
      expect(matches(currency, code), code).toBe(CURRENCY_CODES.includes(code) || accepted(() => parseUnitRegistry(`${code}:2`)));
    }
    for (const code of ['usd', 'U', '1BTC', 'ABCDEFGHIJKLM', 'US D', '']) {
      expect(matches(currency, code), code).toBe(false);
      expect(accepted(() => parseUnitRegistry(`${code}:2`)), code).toBe(false);
    }
  });

  it('describes a description as the line-item rule does: 1–500 characters, not blank, no control characters, no unpaired surrogates', () => {
    const description = bodyProperties('addLineItem').description;
    expect(description).toMatchObject({ minLength: 1, maxLength: 500 });
    const samples = [
      'fee', '  padded  ', 'tab\there', 'two\nlines', 'é💶', 'x', '', ' ', '\u3000', '\ufeff', '\t\n', 'bell\u0007', 'cr\r', '\r\ncr\r\n',
      'in\rside', '\u0007edge', 'v\u000bt', '\u00a0nbsp\u00a0', 'del\u007f', 'nul\u0000', 'c1\u0085', 'c1\u009f', 'lone\ud800',
      '\udc00', 'pair\ud83d\ude00',
    ];
    for (const text of samples) {
      const verdict = validateLineItem({ idempotencyKey: 'k', description: text, amount: '1' }, 'USD');
      const serverAccepts = verdict.ok || !verdict.problems.some((problem) => problem.field === 'description');
      // An unpaired surrogate is refused by the gateway's check of every body string, not by the pattern.
      expect(matches(description, text) && text.length >= 1 && text.isWellFormed(), JSON.stringify(text)).toBe(serverAccepts);
    }
  });

  it('bounds metadata: 20 entries, keys of 1–40 safe characters, values of at most 500 characters', () => {
    const metadata = bodyProperties('addLineItem').metadata;
    expect(metadata).toMatchObject({ type: 'object', maxProperties: 20, propertyNames: { pattern: '^[A-Za-z0-9_.:-]{1,40}$' } });
    const values = Object.values(metadata?.patternProperties ?? {})[0] ?? metadata?.additionalProperties;
    expect(values).toMatchObject({ type: 'string', maxLength: 500 });
  });

  it('states a line item as one of two complete shapes: an amount, or a quantity and a unit price', () => {
    const alternatives = body('addLineItem')?.oneOf ?? [];
    expect(alternatives.map((branch) => ({ required: branch.required, additionalProperties: branch.additionalProperties }))).toEqual([
      { required: ['description', 'amount'], additionalProperties: false },
      { required: ['description', 'quantity', 'unitPrice'], additionalProperties: false },
    ]);
    expect(alternatives.map((branch) => Object.keys(branch.properties ?? {}).sort())).toEqual([
      ['amount', 'currency', 'description', 'metadata'],
      ['currency', 'description', 'metadata', 'quantity', 'unitPrice'],
    ]);
  });

  it('gives each Idempotency-Key its rule: printable ASCII, and no spaces where it becomes the item key', () => {
    for (const id of ['createBill', 'closeBill']) {
      expect(parameter(id, 'idempotency-key')).toMatchObject({ in: 'header', schema: { pattern: '^[\\x20-\\x7e]{1,255}$' } });
    }
    expect(parameter('addLineItem', 'idempotency-key')).toMatchObject({ in: 'header', schema: { pattern: '^[\\x21-\\x7e]{1,255}$' } });
  });

  it('documents cursors as opaque and pages as 1–200 items', () => {
    for (const id of ['listBills', 'listLineItems']) {
      expect(parameter(id, 'cursor')?.description ?? parameter(id, 'cursor')?.schema.description, id).toMatch(/^Opaque/);
      expect(parameter(id, 'limit')?.schema, id).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
      const page = operation(id).responses['200']?.content?.['application/json']?.schema;
      expect(page?.properties?.nextCursor?.description, id).toMatch(/^Opaque/);
    }
  });
});

describe('OpenAPI links', () => {
  it('lead from a created bill to its get, items, add-item and close operations', () => {
    const links = operation('createBill').responses['201']?.links ?? {};
    expect(Object.values(links).map((link) => link.operationId).sort()).toEqual(['addLineItem', 'closeBill', 'getBill', 'listLineItems']);
    for (const link of Object.values(links)) {
      expect(link.parameters).toEqual({ customerId: '$response.body#/customerId', billingPeriod: '$response.body#/billingPeriod' });
      // Every parameter a link fills is a path parameter of the operation it leads to.
      const target = operation(link.operationId);
      expect(target.path.startsWith('/v1/customers/{customerId}/bills/{billingPeriod}'), target.path).toBe(true);
      for (const name of Object.keys(link.parameters)) expect(parameter(link.operationId, name)?.in, `${link.operationId} ${name}`).toBe('path');
    }
  });
});

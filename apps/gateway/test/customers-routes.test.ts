import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerService, customersRepository } from '@billing/bill-service';
import { DEFAULT_UNITS, parseBillCurrencies } from '@billing/money';
import { ADMIN_AUTHORIZATION, buildTestGateway } from './support/in-memory-services.ts';
import { keyedDatabase, type KeyedDatabase } from './support/keyed-gateway.ts';

// The customer routes through the gateway, over bill-service's own CustomerService on an embedded
// PostgreSQL, with real API keys and Idempotency-Key records in that database. Documents are
// stored as rows here; the system test reads the ones a real close renders.

let database: KeyedDatabase;
let gateway: Awaited<ReturnType<typeof buildTestGateway>>;

beforeAll(async () => {
  database = await keyedDatabase();
  const { db } = database;
  gateway = await buildTestGateway({
    customers: createCustomerService({ customers: customersRepository(db), currencies: { units: DEFAULT_UNITS, accepted: parseBillCurrencies('EUR,USD') } }),
    deps: {
      idempotency: { db, ttlMs: 60_000 },
      access: { db, adminApiKey: ADMIN_AUTHORIZATION.slice('Bearer '.length), defaultRateLimitPerMinute: 100_000, keyCacheMs: 0 },
    },
  });
}, 120_000);

afterAll(async () => {
  await gateway?.app.close();
  await database?.close();
});

type Method = 'GET' | 'PUT' | 'PATCH';

async function send(method: Method, url: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const answer = await gateway.app.inject({
    method, url, headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { payload: options.body as Record<string, unknown> }),
  });
  return {
    status: answer.statusCode, headers: answer.headers, raw: answer.rawPayload,
    json: answer.body === '' || !String(answer.headers['content-type']).startsWith('application/json') ? undefined : answer.json(),
    text: answer.body,
  };
}

async function customerKey(customerId: string): Promise<string> {
  const answer = await gateway.app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'customer key', customerId } });
  if (answer.statusCode !== 201) throw new Error(`could not make a key: ${answer.statusCode} ${answer.body}`);
  return `Bearer ${(answer.json() as { key: string }).key}`;
}

const newId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

const PROFILE = {
  legalName: 'Dupont SARL',
  email: 'compta@dupont.example',
  billingAddress: { line1: '3 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  taxId: 'FR12345678901',
  locale: 'fr',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  electronicAddress: '0009:12345678900017',
};

describe('customer profiles', () => {
  it('creates a profile with PUT (201), replaces it whole with another PUT (200), and reads it', async () => {
    const id = newId('cus-rest');
    const created = await send('PUT', `/v1/customers/${id}`, { body: PROFILE });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      id, ...PROFILE, billingAddress: { ...PROFILE.billingAddress, line2: null, region: null },
    });
    expect((await send('GET', `/v1/customers/${id}`)).json).toEqual(created.json);

    const replaced = await send('PUT', `/v1/customers/${id}`, { body: { legalName: 'Dupont SA' } });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.json).toMatchObject({
      id, legalName: 'Dupont SA', email: null, billingAddress: null, taxId: null, locale: null, timeZone: null, currency: null,
      electronicAddress: null, createdAt: (created.json as { createdAt: string }).createdAt,
    });
  });

  it('changes only what a PATCH sends, removes what it sends as null, and is a 404 without a profile', async () => {
    const id = newId('cus-patch');
    await send('PUT', `/v1/customers/${id}`, { body: PROFILE });
    const patched = await send('PATCH', `/v1/customers/${id}`, { body: { email: null, billingAddress: null, locale: 'de', legalName: '  Dupont GmbH ' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json).toMatchObject({ legalName: 'Dupont GmbH', email: null, billingAddress: null, locale: 'de', currency: 'EUR', taxId: PROFILE.taxId });
    expect((await send('PATCH', `/v1/customers/${id}`, { body: { locale: null } })).json).toMatchObject({ locale: null });

    const missing = newId('cus-missing');
    for (const [method, body] of [['GET', undefined], ['PATCH', { legalName: 'X' }]] as const) {
      const answer = await send(method, `/v1/customers/${missing}`, { body });
      expect(answer.status, `${method} ${answer.text}`).toBe(404);
      expect(answer.json).toMatchObject({ code: 'not_found' });
    }
  });

  it('refuses malformed profiles with a 400 naming the field, before or at the service, and stores nothing', async () => {
    const id = newId('cus-bad');
    const cases: Array<[Method, unknown, string]> = [
      ['PUT', { email: 'a@b.example' }, 'legalName'],
      ['PUT', { legalName: 'A\u0007B' }, 'legalName'],
      ['PUT', { legalName: '   ' }, 'legalName'],
      ['PUT', { legalName: 'x'.repeat(201) }, 'legalName'],
      ['PUT', { legalName: 'A', email: 'not an email' }, 'email'],
      ['PUT', { legalName: 'A', billingAddress: { line1: 'x', city: 'y', country: 'fr' } }, 'billingAddress.country'],
      ['PUT', { legalName: 'A', billingAddress: { city: 'y', country: 'FR' } }, 'billingAddress.line1'],
      ['PUT', { legalName: 'A', locale: 'es' }, 'locale'],
      ['PUT', { legalName: 'A', electronicAddress: 'FR123' }, 'electronicAddress'],
      ['PUT', { legalName: 'A', nickname: 'B' }, 'nickname'],
      // Checked by the service: a zone the server does not know, a currency bills do not take.
      ['PUT', { legalName: 'A', timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['PUT', { legalName: 'A', currency: 'JPY' }, 'currency'],
      ['PUT', { legalName: 'A', currency: 'BTC' }, 'currency'],
    ];
    for (const [method, body, field] of cases) {
      const answer = await send(method, `/v1/customers/${id}`, { body });
      expect(answer.status, `${JSON.stringify(body)}: ${answer.text}`).toBe(400);
      expect(answer.json, JSON.stringify(body)).toMatchObject({ code: 'invalid_argument' });
      expect((answer.json as { message: string }).message, JSON.stringify(body)).toContain(field);
    }
    expect(await database.db('customers').where({ id }).first()).toBeUndefined();
    await send('PUT', `/v1/customers/${id}`, { body: { legalName: 'A' } });
    const nulled = await send('PATCH', `/v1/customers/${id}`, { body: { legalName: null } });
    expect(nulled.status).toBe(400);
    expect((await send('PUT', '/v1/customers/not%20an%20id', { body: { legalName: 'A' } })).status).toBe(400);
  });

  it('lists profiles oldest first in pages of the shared shape, every one once', async () => {
    const ids = [newId('cus-page'), newId('cus-page'), newId('cus-page')];
    for (const id of ids) await send('PUT', `/v1/customers/${id}`, { body: { legalName: id } });
    const seen: string[] = [];
    let url = '/v1/customers?limit=2';
    for (let pages = 0; pages < 1_000; pages += 1) {
      const page = await send('GET', url);
      expect(page.status, page.text).toBe(200);
      const { items, nextCursor } = page.json as { items: Array<{ id: string }>; nextCursor: string | null };
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((item) => item.id));
      if (nextCursor === null) break;
      url = `/v1/customers?limit=2&cursor=${encodeURIComponent(nextCursor)}`;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect((await send('GET', '/v1/customers?limit=0')).status).toBe(400);
    expect((await send('GET', '/v1/customers?cursor=bm9wZQ')).json).toMatchObject({ code: 'invalid_argument' });
  });

  it('lets a customer key read and change only its own profile, and not list profiles', async () => {
    const own = newId('cus-own');
    const other = newId('cus-other');
    const key = await customerKey(own);
    const headers = { authorization: key };
    expect((await send('PUT', `/v1/customers/${own}`, { body: { legalName: 'Own' }, headers })).status).toBe(201);
    expect((await send('PATCH', `/v1/customers/${own}`, { body: { locale: 'en' }, headers })).json).toMatchObject({ legalName: 'Own', locale: 'en' });
    expect((await send('GET', `/v1/customers/${own}`, { headers })).status).toBe(200);
    await send('PUT', `/v1/customers/${other}`, { body: { legalName: 'Other' } });
    for (const [method, url, body] of [
      ['GET', `/v1/customers/${other}`, undefined], ['PUT', `/v1/customers/${other}`, { legalName: 'Mine' }],
      ['PATCH', `/v1/customers/${other}`, { legalName: 'Mine' }], ['GET', '/v1/customers', undefined],
      ['GET', `/v1/customers/${other}/bills/2026-01/invoice.pdf`, undefined],
    ] as const) {
      const answer = await send(method, url, { body, headers });
      expect(answer.status, `${method} ${url}`).toBe(403);
      expect(answer.json).toMatchObject({ code: 'permission_denied' });
    }
    expect((await send('GET', `/v1/customers/${other}`)).json).toMatchObject({ legalName: 'Other' });
  });

  it('replays a PUT or PATCH sent again with its Idempotency-Key, and refuses the key with another body', async () => {
    const id = newId('cus-idem');
    const key = { 'idempotency-key': `put-${id}` };
    const first = await send('PUT', `/v1/customers/${id}`, { body: { legalName: 'First' }, headers: key });
    expect(first.status).toBe(201);
    // A PATCH in between is not undone by the retried PUT: the retry is answered from the record.
    await send('PATCH', `/v1/customers/${id}`, { body: { legalName: 'Patched' } });
    const again = await send('PUT', `/v1/customers/${id}`, { body: { legalName: 'First' }, headers: key });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect((await send('GET', `/v1/customers/${id}`)).json).toMatchObject({ legalName: 'Patched' });
    const reused = await send('PUT', `/v1/customers/${id}`, { body: { legalName: 'Other' }, headers: key });
    expect(reused.status).toBe(422);

    const patchKey = { 'idempotency-key': `patch-${id}` };
    const patched = await send('PATCH', `/v1/customers/${id}`, { body: { taxId: 'X1' }, headers: patchKey });
    const replayed = await send('PATCH', `/v1/customers/${id}`, { body: { taxId: 'X1' }, headers: patchKey });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.text).toBe(patched.text);
  });
});

async function storedBill(customerId: string, period: string, status: 'OPEN' | 'CLOSED') {
  const billId = `bill_${randomUUID().replaceAll('-', '')}`;
  const invoiceNumber = `INV-2026-${randomUUID().slice(0, 6)}`;
  await database.db('bills').insert({
    id: billId, customer_id: customerId, billing_period: period, currency: 'EUR', time_zone: 'UTC', status,
    period_start: `${period}-01T00:00:00Z`, period_end: '2099-01-01T00:00:00Z', workflow_id: `wf-${billId}`,
    invoice_number: status === 'CLOSED' ? invoiceNumber : null, closed_at: status === 'CLOSED' ? new Date() : null,
  });
  const documents = {
    pdf: ['application/pdf', Buffer.from('%PDF-1.7\n%\u00e2\u00e3\nfake')],
    html: ['text/html; charset=utf-8', Buffer.from('<!doctype html><html lang="fr"></html>')],
    xml: ['application/xml; charset=utf-8', Buffer.from('<Invoice/>')],
  } as const;
  const sha: Record<string, string> = {};
  if (status === 'CLOSED') {
    for (const [format, [contentType, bytes]] of Object.entries(documents)) {
      sha[format] = createHash('sha256').update(bytes).digest('hex');
      await database.db('bill_documents').insert({
        bill_id: billId, kind: 'invoice', version: 1, format, content_type: contentType, sha256: sha[format], bytes, template_version: 1,
      });
    }
  }
  return { invoiceNumber, sha, documents };
}

describe('invoice documents', () => {
  it('answers each form by Accept and by suffix, with its content type, ETag and file name', async () => {
    const id = newId('cus-inv');
    const { invoiceNumber, sha, documents } = await storedBill(id, '2026-02', 'CLOSED');
    const path = `/v1/customers/${id}/bills/2026-02/invoice`;
    const cases: Array<[string, Record<string, string>, 'pdf' | 'html' | 'xml']> = [
      [path, { accept: 'application/pdf' }, 'pdf'],
      [path, { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' }, 'html'],
      [path, { accept: 'application/xml' }, 'xml'],
      [path, { accept: 'application/pdf;q=0.5, application/xml' }, 'xml'],
      [path, { accept: '*/*' }, 'pdf'],
      [path, {}, 'pdf'],
      [`${path}.pdf`, {}, 'pdf'],
      [`${path}.html`, { accept: 'application/json' }, 'html'],
      [`${path}.xml`, {}, 'xml'],
    ];
    for (const [url, headers, format] of cases) {
      const answer = await send('GET', url, { headers });
      expect(answer.status, `${url} ${JSON.stringify(headers)} ${answer.text}`).toBe(200);
      expect(answer.headers['content-type'], url).toBe(documents[format][0]);
      expect(answer.raw.equals(documents[format][1]), `${url} ${JSON.stringify(headers)}`).toBe(true);
      expect(answer.headers.etag).toBe(`"${sha[format]}"`);
      expect(answer.headers['content-disposition']).toBe(`inline; filename="${invoiceNumber}.${format}"`);
    }
    const refused = await send('GET', path, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(406);
    expect(refused.json).toMatchObject({ code: 'invalid_argument' });
  });

  it('answers 304 with no body to an If-None-Match naming the ETag, and the document to any other', async () => {
    const id = newId('cus-etag');
    const { sha } = await storedBill(id, '2026-02', 'CLOSED');
    const url = `/v1/customers/${id}/bills/2026-02/invoice.xml`;
    for (const ifNoneMatch of [`"${sha.xml}"`, `W/"${sha.xml}"`, `"other", "${sha.xml}"`, '*']) {
      const answer = await send('GET', url, { headers: { 'if-none-match': ifNoneMatch } });
      expect(answer.status, ifNoneMatch).toBe(304);
      expect(answer.text).toBe('');
      expect(answer.headers.etag).toBe(`"${sha.xml}"`);
    }
    expect((await send('GET', url, { headers: { 'if-none-match': `"${sha.pdf}"` } })).status).toBe(200);
  });

  it('is a 409 failed_precondition before the bill is CLOSED and a 404 with no bill; a customer key reads its own', async () => {
    const id = newId('cus-open');
    await storedBill(id, '2026-03', 'OPEN');
    const open = await send('GET', `/v1/customers/${id}/bills/2026-03/invoice.pdf`);
    expect(open.status).toBe(409);
    expect(open.json).toMatchObject({ code: 'failed_precondition' });
    expect((await send('GET', `/v1/customers/${id}/bills/2026-04/invoice`)).json).toMatchObject({ code: 'not_found' });
    expect((await send('GET', `/v1/customers/${id}/bills/2026-4/invoice`)).status).toBe(400);

    const { documents } = await storedBill(id, '2026-05', 'CLOSED');
    const own = await send('GET', `/v1/customers/${id}/bills/2026-05/invoice.html`, { headers: { authorization: await customerKey(id) } });
    expect(own.status).toBe(200);
    expect(own.raw.equals(documents.html[1])).toBe(true);
  });
});

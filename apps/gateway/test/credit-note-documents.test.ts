import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreditNoteService, creditNoteErrors, databaseErrors } from '@billing/bill-service';
import { serverInterceptor } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { ADMIN_AUTHORIZATION, buildTestGateway } from './support/in-memory-services.ts';
import { keyedDatabase, type KeyedDatabase } from './support/keyed-gateway.ts';

// The credit note document routes through the gateway, over bill-service's own CreditNoteService
// (with its error mappers) on an embedded PostgreSQL, with real API keys in that database. The
// credit notes and their documents are stored as rows here; the system test reads the ones a real
// issue renders.

let database: KeyedDatabase;
let gateway: Awaited<ReturnType<typeof buildTestGateway>>;

beforeAll(async () => {
  database = await keyedDatabase();
  const { db } = database;
  gateway = await buildTestGateway({
    creditNotes: createCreditNoteService({
      db,
      seller: { legalName: 'Test Seller SAS', address: { line1: '1 rue de Test', city: 'Paris', postalCode: '75001', country: 'FR' }, taxId: 'FR00000000000', electronicAddress: '9957:FR00000000000', paymentTermsDays: 30 },
    }),
    billsInterceptors: [serverInterceptor({ logger: createLogger('bill-service', 'silent'), errorMappers: [creditNoteErrors, databaseErrors] })],
    deps: { access: { db, adminApiKey: ADMIN_AUTHORIZATION.slice('Bearer '.length), defaultRateLimitPerMinute: 100_000, keyCacheMs: 0 } },
  });
}, 120_000);

afterAll(async () => {
  await gateway?.app.close();
  await database?.close();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const answer = await gateway.app.inject({ method: 'GET', url, headers });
  return {
    status: answer.statusCode, headers: answer.headers, raw: answer.rawPayload, text: answer.body,
    json: String(answer.headers['content-type']).startsWith('application/json') ? answer.json() as Record<string, unknown> : undefined,
  };
}

async function customerKey(customerId: string): Promise<string> {
  const answer = await gateway.app.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'customer key', customerId } });
  if (answer.statusCode !== 201) throw new Error(`could not make a key: ${answer.statusCode} ${answer.body}`);
  return `Bearer ${(answer.json() as { key: string }).key}`;
}

const DOCUMENTS = {
  pdf: ['application/pdf', Buffer.from('%PDF-1.7\n%\u00e2\u00e3\ncredit note')],
  html: ['text/html; charset=utf-8', Buffer.from('<!doctype html><html lang="en"><title>Credit note</title></html>')],
  xml: ['application/xml; charset=utf-8', Buffer.from('<CreditNote/>')],
} as const;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let sequence = 0;

/** A CLOSED bill of the customer with one credit note and its three stored documents; answers its path. */
async function storedCreditNote(customerId: string, period: string) {
  const { db } = database;
  const billId = `bill_${randomUUID().replaceAll('-', '')}`;
  await db('bills').insert({
    id: billId, customer_id: customerId, billing_period: period, currency: 'EUR', time_zone: 'UTC', status: 'CLOSED',
    period_start: `${period}-01T00:00:00Z`, period_end: '2099-01-01T00:00:00Z', workflow_id: `wf-${billId}`,
    invoice_number: `INV-2031-${randomUUID().slice(0, 6)}`, closed_at: new Date(), total_minor: '1000',
  });
  const id = `cn_${randomUUID().replaceAll('-', '')}`;
  sequence += 1;
  const number = `CN-2031-${String(sequence).padStart(6, '0')}`;
  await db('credit_notes').insert({
    id, number, year: 2031, sequence, bill_id: billId, customer_id: customerId, idempotency_key: id, status: 'ISSUED', reason: 'Duplicate',
    settlement: 'outOfBand', currency: 'EUR', amount_minor: '1000', applied_minor: '1000', settled_minor: '0', entry_ids: ['ent_1'],
  });
  await db('credit_note_documents').insert(Object.entries(DOCUMENTS).map(([format, [contentType, bytes]]) => ({
    credit_note_id: id, version: 1, format, content_type: contentType, sha256: sha256(bytes), bytes, template_version: 1,
  })));
  return { number, path: `/v1/customers/${customerId}/bills/${period}/credit-notes/${id}/document` };
}

const newId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describe('credit note documents', () => {
  it('answers each form by Accept and by suffix, with its content type, ETag and the credit note number as file name', async () => {
    const { number, path } = await storedCreditNote(newId('cus-cn'), '2031-02');
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
      const answer = await get(url, headers);
      expect(answer.status, `${url} ${JSON.stringify(headers)} ${answer.text}`).toBe(200);
      expect(answer.headers['content-type'], url).toBe(DOCUMENTS[format][0]);
      expect(answer.raw.equals(DOCUMENTS[format][1]), `${url} ${JSON.stringify(headers)}`).toBe(true);
      expect(answer.headers.etag).toBe(`"${sha256(DOCUMENTS[format][1])}"`);
      expect(answer.headers['cache-control']).toBe('private, no-cache');
      expect(answer.headers['content-disposition']).toBe(`inline; filename="${number}.${format}"`);
    }
    expect((await get(path, { accept: 'application/xml' })).headers.vary).toBe('Accept');
    const refused = await get(path, { accept: 'application/json' });
    expect(refused.status).toBe(406);
    expect(refused.json).toMatchObject({ code: 'invalid_argument' });
  });

  it('answers 304 with no body to an If-None-Match naming the ETag, and the document to any other', async () => {
    const { path } = await storedCreditNote(newId('cus-cn-etag'), '2031-02');
    const etag = `"${sha256(DOCUMENTS.pdf[1])}"`;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const answer = await get(`${path}.pdf`, { 'if-none-match': ifNoneMatch });
      expect(answer.status, ifNoneMatch).toBe(304);
      expect(answer.text).toBe('');
      expect(answer.headers.etag).toBe(etag);
    }
    expect((await get(`${path}.pdf`, { 'if-none-match': `"${sha256(DOCUMENTS.xml[1])}"` })).status).toBe(200);
  });

  it('is a 404 for a credit note the bill does not have and a 400 for a malformed id', async () => {
    const customer = newId('cus-cn-404');
    const { path } = await storedCreditNote(customer, '2031-03');
    const id = path.split('/').at(-2) as string;
    for (const url of [
      `/v1/customers/${customer}/bills/2031-03/credit-notes/cn_${'0'.repeat(32)}/document`,
      `/v1/customers/${customer}/bills/2031-04/credit-notes/${id}/document.xml`,
      `/v1/customers/${newId('cus-cn-nobody')}/bills/2031-03/credit-notes/${id}/document.pdf`,
    ]) {
      const answer = await get(url);
      expect(answer.status, url).toBe(404);
      expect(answer.json).toMatchObject({ code: 'not_found' });
    }
    expect((await get(`/v1/customers/${customer}/bills/2031-03/credit-notes/cn_nope/document`)).status).toBe(400);
  });

  it('a customer key reads its own credit notes\' documents and is refused another customer\'s', async () => {
    const own = newId('cus-cn-own');
    const other = newId('cus-cn-other');
    const mine = await storedCreditNote(own, '2031-05');
    const theirs = await storedCreditNote(other, '2031-05');
    const authorization = await customerKey(own);
    const read = await get(`${mine.path}.html`, { authorization });
    expect(read.status).toBe(200);
    expect(read.raw.equals(DOCUMENTS.html[1])).toBe(true);
    for (const url of [theirs.path, `${theirs.path}.pdf`, `${theirs.path}.xml`]) {
      const refused = await get(url, { authorization });
      expect(refused.status, url).toBe(403);
      expect(refused.json).toMatchObject({ code: 'permission_denied' });
    }
  });
});

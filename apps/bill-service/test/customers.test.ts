import { createHash, randomUUID } from 'node:crypto';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, type Client } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CustomerLocale, CustomerService, InvoiceDocumentFormat } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { freePort } from '@billing/devstack';
import { createGrpcClient, withPrincipal, type GrpcServer } from '@billing/grpc-kit';
import { failureOf } from '@billing/grpc-kit/testing';
import { createLogger } from '@billing/runtime';
import { startBillService } from '../src/app.ts';
import { newCustomer, testEnv } from './support/bill-service.ts';

// CustomerService over real gRPC on loopback (bill-service as it starts in production) and the
// suite's real PostgreSQL. Bills and their documents are written as rows here: rendering them at
// close is the worker's (its tests, and the system test, go through a real close).

let server: GrpcServer;
let customers: Client<typeof CustomerService>;
let db: Db;

beforeAll(async () => {
  const port = await freePort();
  server = await startBillService(testEnv({ BILL_SERVICE_PORT: String(port), BILL_SERVICE_HOST: '127.0.0.1', BILL_CURRENCIES: 'EUR,USD' }),
    createLogger('bill-service', 'warn'));
  customers = createGrpcClient(CustomerService, `http://127.0.0.1:${port}`, { serviceCredential: inject('serviceToken') });
  db = createDb({ url: inject('databaseUrl'), poolMax: 2 });
});
afterAll(async () => {
  await server?.close();
  await db?.destroy();
});

const asCustomer = (customerId: string) => withPrincipal({ keyId: 'key_test', customerId });
const asPlatform = withPrincipal({ keyId: 'key_platform', customerId: null });

const FULL = {
  legalName: '  Müller & Söhne GmbH  ',
  email: 'billing@mueller.example',
  billingAddress: { line1: 'Hauptstraße 1', line2: '', city: 'Berlin', postalCode: '10115', region: '', country: 'DE' },
  taxId: 'DE123456789',
  locale: CustomerLocale.DE,
  timeZone: 'Europe/Berlin',
  currency: 'EUR',
  electronicAddress: '9930:DE123456789',
};

describe('CustomerService: profiles', () => {
  it('creates a profile, replaces it whole with a second put, and keeps its creation time', async () => {
    const id = newCustomer('cus-put');
    const first = await customers.putCustomer({ customerId: id, fields: FULL });
    expect(first.created).toBe(true);
    expect(first.customer).toMatchObject({
      id, legalName: 'Müller & Söhne GmbH', email: 'billing@mueller.example', taxId: 'DE123456789', locale: CustomerLocale.DE,
      timeZone: 'Europe/Berlin', currency: 'EUR', electronicAddress: '9930:DE123456789',
      billingAddress: { line1: 'Hauptstraße 1', line2: '', city: 'Berlin', postalCode: '10115', region: '', country: 'DE' },
    });
    // The close reads the same row: the address as camelCase JSON, the locale as its code.
    const row = await db('customers').where({ id }).first();
    expect(row).toMatchObject({ legal_name: 'Müller & Söhne GmbH', locale: 'de', address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' } });

    const second = await customers.putCustomer({ customerId: id, fields: { legalName: 'Müller AG' } });
    expect(second.created).toBe(false);
    expect(second.customer).toMatchObject({ legalName: 'Müller AG', locale: CustomerLocale.UNSPECIFIED });
    expect(second.customer?.email).toBeUndefined();
    expect(second.customer?.billingAddress).toBeUndefined();
    expect(timestampDate(second.customer!.createdAt!)).toEqual(timestampDate(first.customer!.createdAt!));
    expect((await customers.getCustomer({ customerId: id })).customer?.legalName).toBe('Müller AG');
  });

  it('updates only the fields sent, removes a field sent empty, and answers not_found for an id with no profile', async () => {
    const id = newCustomer('cus-patch');
    await customers.putCustomer({ customerId: id, fields: FULL });
    const updated = await customers.updateCustomer({ customerId: id, email: '', locale: CustomerLocale.FR, taxId: 'DE999' });
    expect(updated.customer).toMatchObject({ legalName: 'Müller & Söhne GmbH', locale: CustomerLocale.FR, taxId: 'DE999', currency: 'EUR' });
    expect(updated.customer?.email).toBeUndefined();
    const removed = await customers.updateCustomer({ customerId: id, removeBillingAddress: true, removeLocale: true });
    expect(removed.customer?.billingAddress).toBeUndefined();
    expect(removed.customer?.locale).toBe(CustomerLocale.UNSPECIFIED);

    const missing = newCustomer('cus-none');
    expect((await failureOf(customers.getCustomer({ customerId: missing }))).code).toBe(Code.NotFound);
    expect((await failureOf(customers.updateCustomer({ customerId: missing, legalName: 'X' }))).code).toBe(Code.NotFound);
    expect(await db('customers').where({ id: missing }).first()).toBeUndefined();
  });

  it('refuses malformed fields with invalid_argument naming each, and stores nothing', async () => {
    const id = newCustomer('cus-bad');
    const error = await failureOf(customers.putCustomer({
      customerId: id,
      fields: {
        legalName: '   ', email: 'not-an-email', billingAddress: { line1: 'a\u0007b', city: 'X', country: 'de' }, taxId: 'x'.repeat(51),
        timeZone: 'Mars/Olympus', currency: 'XYZ', electronicAddress: 'DE123',
      },
    }));
    expect(error.code).toBe(Code.InvalidArgument);
    for (const field of ['legalName', 'email', 'billingAddress.line1', 'billingAddress.country', 'taxId', 'timeZone', 'currency', 'electronicAddress']) {
      expect(error.rawMessage).toContain(`${field}:`);
    }
    // A real currency that bills here do not take is refused by the bills' own policy.
    const policy = await failureOf(customers.putCustomer({ customerId: id, fields: { legalName: 'A', currency: 'JPY' } }));
    expect(policy.rawMessage).toContain('JPY is not accepted on bills here');
    expect((await failureOf(customers.putCustomer({ customerId: 'bad id', fields: { legalName: 'A' } }))).rawMessage).toContain('customerId:');
    expect((await failureOf(customers.updateCustomer({ customerId: id, locale: CustomerLocale.DE, removeLocale: true }))).rawMessage)
      .toContain('removeLocale:');
    expect(await db('customers').where({ id }).first()).toBeUndefined();
  });

  it('lists profiles oldest first in pages whose cursors cover each once', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const id = newCustomer(`cus-list-${index}`);
      ids.push(id);
      await customers.putCustomer({ customerId: id, fields: { legalName: `Customer ${index}` } });
    }
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 1_000; pages += 1) {
      const page = await customers.listCustomers({ limit: 2, cursor });
      expect(page.customers.length).toBeLessThanOrEqual(2);
      seen.push(...page.customers.map((customer) => customer.id));
      if (page.nextCursor === undefined) break;
      cursor = page.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect((await failureOf(customers.listCustomers({ cursor: 'bm90LWEtY3Vyc29y' }))).code).toBe(Code.InvalidArgument);
  });

  it('lets a customer-bound caller read and change only its own profile, and not list', async () => {
    const own = newCustomer('cus-own');
    const other = newCustomer('cus-other');
    await customers.putCustomer({ customerId: own, fields: { legalName: 'Own' } }, asCustomer(own));
    await customers.putCustomer({ customerId: other, fields: { legalName: 'Other' } });
    expect((await customers.getCustomer({ customerId: own }, asCustomer(own))).customer?.legalName).toBe('Own');
    expect((await failureOf(customers.getCustomer({ customerId: other }, asCustomer(own)))).code).toBe(Code.PermissionDenied);
    expect((await failureOf(customers.updateCustomer({ customerId: other, legalName: 'Mine' }, asCustomer(own)))).code).toBe(Code.PermissionDenied);
    expect((await failureOf(customers.listCustomers({}, asCustomer(own)))).code).toBe(Code.PermissionDenied);
    expect((await customers.listCustomers({ limit: 1 }, asPlatform)).customers).toHaveLength(1);
    expect((await customers.getCustomer({ customerId: other })).customer?.legalName).toBe('Other');
  });
});

async function insertBill(customerId: string, period: string, status: 'OPEN' | 'CLOSED'): Promise<string> {
  const id = `bill_${randomUUID().replaceAll('-', '')}`;
  await db('bills').insert({
    id, customer_id: customerId, billing_period: period, currency: 'EUR', time_zone: 'UTC', status,
    period_start: `${period}-01T00:00:00Z`, period_end: '2099-01-01T00:00:00Z', workflow_id: `wf-${id}`,
    invoice_number: status === 'CLOSED' ? `INV-T-${randomUUID().slice(0, 12)}` : null, closed_at: status === 'CLOSED' ? new Date() : null,
  });
  return id;
}

async function insertDocument(billId: string, version: number, format: 'pdf' | 'html' | 'xml', text: string): Promise<string> {
  const bytes = Buffer.from(text);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const contentType = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', xml: 'application/xml; charset=utf-8' }[format];
  await db('bill_documents').insert({ bill_id: billId, kind: 'invoice', version, format, content_type: contentType, sha256, bytes, template_version: 1 });
  return sha256;
}

describe('CustomerService: invoice documents', () => {
  it('answers the newest version of the asked form with its content type and SHA-256', async () => {
    const id = newCustomer('cus-doc');
    const billId = await insertBill(id, '2026-03', 'CLOSED');
    await insertDocument(billId, 1, 'pdf', '%PDF-1.7 v1');
    await insertDocument(billId, 1, 'xml', '<Invoice>v1</Invoice>');
    const newest = await insertDocument(billId, 2, 'xml', '<Invoice>v2</Invoice>');
    const xml = await customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-03', format: InvoiceDocumentFormat.XML }, asCustomer(id));
    expect(Buffer.from(xml.content).toString()).toBe('<Invoice>v2</Invoice>');
    expect(xml).toMatchObject({ contentType: 'application/xml; charset=utf-8', sha256: newest, version: 2, billId });
    const pdf = await customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-03', format: InvoiceDocumentFormat.PDF });
    expect(Buffer.from(pdf.content).toString()).toBe('%PDF-1.7 v1');
    expect(pdf.contentType).toBe('application/pdf');
    expect((await failureOf(customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-03', format: InvoiceDocumentFormat.HTML }))).code)
      .toBe(Code.NotFound);
  });

  it('is failed_precondition before the bill is CLOSED, not_found with no bill, and another customer\'s is refused', async () => {
    const id = newCustomer('cus-open');
    await insertBill(id, '2026-04', 'OPEN');
    const open = await failureOf(customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-04', format: InvoiceDocumentFormat.PDF }));
    expect(open.code).toBe(Code.FailedPrecondition);
    expect(open.rawMessage).toContain('is OPEN');
    expect((await failureOf(customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-05', format: InvoiceDocumentFormat.PDF }))).code)
      .toBe(Code.NotFound);
    expect((await failureOf(customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-04', format: InvoiceDocumentFormat.PDF },
      asCustomer('someone-else')))).code).toBe(Code.PermissionDenied);
    const bad = await failureOf(customers.getInvoiceDocument({ customerId: id, billingPeriod: '2026-4', format: InvoiceDocumentFormat.UNSPECIFIED }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/billingPeriod:.*format:/);
  });
});

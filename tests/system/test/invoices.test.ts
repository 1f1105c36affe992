import { createHash } from 'node:crypto';
import { grpcurl } from '@billing/devstack';
import { describe, expect, inject, it } from 'vitest';
import { ADMIN, billPath, call, createBill, futurePeriod, gateway, newCustomer, type Bill } from './bills-api.ts';
import { theEvent } from './events-api.ts';
import { answered, withServiceToken } from './grpcurl.ts';

// A customer's profile and the invoice of its closed bill through the real gateway, bill-service,
// worker, Temporal and PostgreSQL: the documents the close rendered, read in all three forms.

async function fetchDocument(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway}${path}`, { headers: { authorization: ADMIN, ...headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('invoice documents of a customer with a profile', () => {
  it('serves the PDF, HTML and UBL of a closed bill by Accept and suffix, with the SHA-256 as ETag, and announces them', async () => {
    const customer = newCustomer('invoice');
    const period = futurePeriod();
    const profile = await call('PUT', `/v1/customers/${customer}`, {
      key: `${customer}-profile`,
      body: {
        legalName: 'Brasserie Léon SARL', email: 'compta@leon.example', locale: 'fr', timeZone: 'Europe/Paris', currency: 'EUR',
        billingAddress: { line1: '12 quai de Saône', city: 'Lyon', postalCode: '69002', country: 'FR' }, taxId: 'FR40123456789',
      },
    });
    expect(profile.status, profile.text).toBe(201);
    expect((await call('GET', `/v1/customers/${customer}`)).json).toMatchObject({ legalName: 'Brasserie Léon SARL', locale: 'fr' });

    await createBill(customer, period, 'EUR');
    const invoice = `${billPath(customer, period)}/invoice`;
    // Before the close there is no invoice yet.
    const early = await call<{ code: string }>('GET', `${invoice}.pdf`);
    expect(early.status, early.text).toBe(409);
    expect(early.json.code).toBe('failed_precondition');
    expect((await call('GET', `${billPath(customer, futurePeriod(5))}/invoice`)).status).toBe(404);

    for (const [description, amount] of [['Couverts', '120.50'], ['Vins', '79.50']]) {
      const added = await call('POST', `${billPath(customer, period)}/items`, { key: `${customer}-${description}`, body: { description, amount } });
      expect(added.status, added.text).toBe(201);
    }
    const closed = await call<Bill>('POST', `${billPath(customer, period)}/close`, { key: `${customer}-close` });
    expect(closed.json.status, closed.text).toBe('CLOSED');
    const invoiceNumber = closed.json.invoiceNumber!;

    const pdf = await fetchDocument(invoice, { accept: 'application/pdf' });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const html = await fetchDocument(invoice, { accept: 'text/html' });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.bytes.toString('utf8')).toContain('<html lang="fr">');
    const xml = await fetchDocument(invoice, { accept: 'application/xml' });
    expect(xml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const ubl = xml.bytes.toString('utf8');
    expect(ubl).toContain('<cbc:RegistrationName>Brasserie Léon SARL</cbc:RegistrationName>');
    expect(ubl).toContain(`<cbc:ID>${invoiceNumber}</cbc:ID>`);
    expect(ubl).toContain('<cbc:PayableAmount currencyID="EUR">200.00</cbc:PayableAmount>');

    // The suffixes answer the same bytes, each with its SHA-256 as ETag; a matching If-None-Match is a 304.
    for (const [suffix, document] of [['pdf', pdf], ['html', html], ['xml', xml]] as const) {
      const bySuffix = await fetchDocument(`${invoice}.${suffix}`);
      expect(bySuffix.status).toBe(200);
      expect(bySuffix.bytes.equals(document.bytes), suffix).toBe(true);
      const etag = `"${createHash('sha256').update(document.bytes).digest('hex')}"`;
      expect(bySuffix.headers.get('etag'), suffix).toBe(etag);
      const again = await fetchDocument(`${invoice}.${suffix}`, { 'if-none-match': etag });
      expect(again.status, suffix).toBe(304);
      expect(again.bytes.length).toBe(0);
    }

    // The same UBL over gRPC, as grpcurl shows it: bytes (base64 in JSON), content type and SHA-256.
    const viaGrpc = JSON.parse(answered(await grpcurl(inject('billServiceAddress'), ['billing.v1.CustomerService/GetInvoiceDocument'], {
      data: { customerId: customer, billingPeriod: period, format: 'INVOICE_DOCUMENT_FORMAT_XML' }, headers: withServiceToken(inject('serviceToken')),
    }))) as { content: string; contentType: string; sha256: string; invoiceNumber: string; version: number };
    expect(Buffer.from(viaGrpc.content, 'base64').equals(xml.bytes)).toBe(true);
    expect(viaGrpc).toMatchObject({ contentType: 'application/xml; charset=utf-8', invoiceNumber, version: 1 });
    expect(`"${viaGrpc.sha256}"`).toBe(xml.headers.get('etag'));

    // invoice.finalized names the three documents, with the paths that serve them.
    const finalized = await theEvent(customer, 'invoice.finalized');
    expect(finalized.data).toMatchObject({ invoiceNumber, billingPeriod: period, customerId: customer, version: 1 });
    const links = finalized.data.documents as Record<'pdf' | 'html' | 'xml', { url: string; sha256: string }>;
    for (const [format, document] of [['pdf', pdf], ['html', html], ['xml', xml]] as const) {
      const linked = await fetchDocument(links[format].url);
      expect(linked.bytes.equals(document.bytes), format).toBe(true);
      expect(linked.headers.get('etag')).toBe(`"${links[format].sha256}"`);
    }
  });

  it('closes and serves the invoice of a customer without a profile, naming the id', async () => {
    const customer = newCustomer('noprofile');
    const period = futurePeriod();
    await createBill(customer, period);
    expect((await call('POST', `${billPath(customer, period)}/items`, { key: `${customer}-1`, body: { description: 'Seats', amount: '5.00' } })).status).toBe(201);
    expect((await call<Bill>('POST', `${billPath(customer, period)}/close`)).json.status).toBe('CLOSED');
    expect((await call('GET', `/v1/customers/${customer}`)).status).toBe(404);
    const xml = await fetchDocument(`${billPath(customer, period)}/invoice.xml`);
    expect(xml.status).toBe(200);
    expect(xml.bytes.toString('utf8')).toContain(`<cbc:RegistrationName>${customer}</cbc:RegistrationName>`);
  });
});

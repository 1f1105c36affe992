import { createHash } from 'node:crypto';
import { grpcurl } from '@billing/devstack';
import { describe, expect, inject, it } from 'vitest';
import { ADMIN, billPath, call, createBill, futurePeriod, gateway, newCustomer, type Bill } from './bills-api.ts';
import { theEvent } from './events-api.ts';
import { answered, withServiceToken } from './grpcurl.ts';
import { balances, topUp, type Entry, type Page } from './ledger-api.ts';

// Credit notes through the real gateway, bill-service, worker and PostgreSQL: a bill closed by its
// workflow is credited per line, its amountDue shows it, the credit note reads back with its
// number and stored documents, is voided, and a credit of a paid bill goes to the wallet. Its
// documents are read back through the gateway's document routes and over gRPC.

interface Money { amount: string; currency: string }
interface BillWithDue extends Bill {
  amountDue: Money;
}
interface CreditNote {
  id: string;
  number: string;
  status: 'ISSUED' | 'VOID';
  invoiceNumber: string;
  amount: Money;
  appliedToAmountDue: Money;
  settled: Money;
  lines: Array<{ itemId: string | null; amount: Money }>;
  entryIds: string[];
  voidEntryId: string | null;
  documents: Array<{ format: 'pdf' | 'html' | 'xml'; contentType: string; sha256: string; size: number; url: string }>;
}

async function fetchDocument(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway}${path}`, { headers: { authorization: ADMIN, ...headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function closedBill(customer: string, amounts: string[]): Promise<{ path: string; bill: BillWithDue; items: string[] }> {
  const period = futurePeriod();
  await createBill(customer, period);
  const path = billPath(customer, period);
  for (const [index, amount] of amounts.entries()) {
    expect((await call('POST', `${path}/items`, { body: { description: `Plan ${index + 1}`, amount } })).status).toBe(201);
  }
  const closed = await call<BillWithDue>('POST', `${path}/close`);
  expect(closed.status, closed.text).toBe(200);
  const read = await call<BillWithDue>('GET', path);
  return { path, bill: read.json, items: (read.json.items ?? []).map((item) => item.id) };
}

describe('credit notes', () => {
  it('credits a line of a closed bill, lowers its amountDue, reads back, voids, and is numbered in its own series', async () => {
    const customer = newCustomer('cn');
    const { path, bill, items } = await closedBill(customer, ['30.00', '12.50']);
    expect(bill.amountDue).toEqual({ amount: '42.50', currency: 'USD' });
    const notes = `${path}/credit-notes`;
    const issued = await call<CreditNote>('POST', notes, {
      body: { reason: 'Seats billed twice', lines: [{ itemId: items[0], amount: '10.00' }], settlement: 'refund' }, key: `${customer}-cn1`,
    });
    expect(issued.status, issued.text).toBe(201);
    expect(issued.json).toMatchObject({
      status: 'ISSUED', invoiceNumber: bill.invoiceNumber, amount: { amount: '10.00', currency: 'USD' },
      appliedToAmountDue: { amount: '10.00', currency: 'USD' }, settled: { amount: '0.00', currency: 'USD' },
      lines: [{ itemId: items[0], amount: { amount: '10.00', currency: 'USD' } }], voidEntryId: null,
    });
    expect(issued.json.number).toMatch(/^CN-\d{4}-\d{6}$/);
    expect(issued.json.documents.map((doc) => doc.format).sort()).toEqual(['html', 'pdf', 'xml']);
    expect((await call<BillWithDue>('GET', path)).json.amountDue).toEqual({ amount: '32.50', currency: 'USD' });
    // The same key answers the same credit note.
    const replay = await call<CreditNote>('POST', notes, {
      body: { reason: 'Seats billed twice', lines: [{ itemId: items[0], amount: '10.00' }], settlement: 'refund' }, key: `${customer}-cn1`,
    });
    expect(replay.json.id).toBe(issued.json.id);

    const tooMuch = await call<{ code: string }>('POST', notes, { body: { reason: 'More', lines: [{ itemId: items[0], amount: '20.01' }], settlement: 'refund' } });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.json.code).toBe('failed_precondition');

    const listed = await call<Page<CreditNote>>('GET', notes);
    expect(listed.json).toMatchObject({ items: [{ id: issued.json.id }], nextCursor: null });
    expect((await call<CreditNote>('GET', `${notes}/${issued.json.id}`)).json.number).toBe(issued.json.number);

    const voided = await call<CreditNote>('POST', `${notes}/${issued.json.id}/void`);
    expect(voided.status, voided.text).toBe(200);
    expect(voided.json).toMatchObject({ status: 'VOID', number: issued.json.number });
    expect((await call<BillWithDue>('GET', path)).json.amountDue).toEqual({ amount: '42.50', currency: 'USD' });
    const entries = await call<Page<Entry>>('GET', `/v1/customers/${customer}/entries`);
    expect(entries.json.items.map((entry) => entry.type)).toEqual(['CREDIT_NOTE_VOID', 'CREDIT_NOTE', 'INVOICE']);
    const events = await call<Page<{ type: string; data: CreditNote }>>('GET', `/v1/events?customerId=${customer}&limit=100`);
    expect(events.json.items.filter((event) => event.type.startsWith('credit_note.')).map((event) => [event.type, event.data.status]).sort())
      .toEqual([['credit_note.issued', 'ISSUED'], ['credit_note.voided', 'VOID']]);
  });

  it('serves its PDF, HTML and UBL CreditNote by Accept and suffix with the SHA-256 as ETag, linked from its JSON and event, voided too', async () => {
    const customer = newCustomer('cn-docs');
    const { path, bill, items } = await closedBill(customer, ['30.00']);
    const issued = await call<CreditNote>('POST', `${path}/credit-notes`, {
      body: { reason: 'Seats billed twice', lines: [{ itemId: items[0], amount: '10.00' }], settlement: 'outOfBand' },
    });
    expect(issued.status, issued.text).toBe(201);
    const note = issued.json;
    const document = `${path}/credit-notes/${note.id}/document`;

    // No Accept: the PDF, its SHA-256 the ETag and the one the credit note lists; If-None-Match with it is a 304.
    const pdf = await fetchDocument(document);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.headers.get('etag')).toBe(`"${sha256(pdf.bytes)}"`);
    expect(note.documents.find((doc) => doc.format === 'pdf')?.sha256).toBe(sha256(pdf.bytes));
    expect(pdf.headers.get('content-disposition')).toBe(`inline; filename="${note.number}.pdf"`);
    const again = await fetchDocument(`${document}.pdf`, { 'if-none-match': pdf.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);

    // The UBL is a CreditNote of its own number that references the credited invoice.
    const xml = await fetchDocument(document, { accept: 'application/xml' });
    expect(xml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const ubl = xml.bytes.toString('utf8');
    expect(ubl).toMatch(/<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/);
    expect(ubl).toContain(`<cbc:ID>${note.number}</cbc:ID>`);
    expect(ubl).toContain(`<cac:InvoiceDocumentReference><cbc:ID>${bill.invoiceNumber}</cbc:ID>`);
    const html = await fetchDocument(document, { accept: 'text/html' });
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.bytes.toString('utf8')).toContain(note.number);
    expect((await fetchDocument(document, { accept: 'application/json' })).status).toBe(406);

    // Each listed document's url serves it; the credit_note.issued event carries the same links.
    const served = { pdf, html, xml };
    for (const listed of note.documents) {
      const linked = await fetchDocument(listed.url);
      expect(linked.bytes.equals(served[listed.format].bytes), listed.format).toBe(true);
      expect(linked.headers.get('etag')).toBe(`"${listed.sha256}"`);
    }
    const event = await theEvent(customer, 'credit_note.issued');
    expect((event.data as unknown as CreditNote).documents).toEqual(note.documents);

    // The same UBL over gRPC, as grpcurl shows it.
    const viaGrpc = JSON.parse(answered(await grpcurl(inject('billServiceAddress'), ['billing.v1.CreditNoteService/GetCreditNoteDocument'], {
      data: { customerId: customer, billingPeriod: bill.billingPeriod, creditNoteId: note.id, format: 'INVOICE_DOCUMENT_FORMAT_XML' },
      headers: withServiceToken(inject('serviceToken')),
    }))) as { content: string; sha256: string; creditNoteNumber: string; invoiceNumber: string; version: number };
    expect(Buffer.from(viaGrpc.content, 'base64').equals(xml.bytes)).toBe(true);
    expect(viaGrpc).toMatchObject({ sha256: sha256(xml.bytes), creditNoteNumber: note.number, invoiceNumber: bill.invoiceNumber, version: 1 });

    // A customer key reads its own customer's documents, and is refused another customer's.
    const keyOf = async (customerId: string) => `Bearer ${(await call<{ key: string }>('POST', '/v1/api-keys', { body: { name: `cn docs ${customerId}`, customerId } })).json.key}`;
    expect((await fetchDocument(`${document}.xml`, { authorization: await keyOf(customer) })).bytes.equals(xml.bytes)).toBe(true);
    const refused = await fetchDocument(`${document}.pdf`, { authorization: await keyOf(newCustomer('cn-docs-other')) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.bytes.toString('utf8'))).toMatchObject({ code: 'permission_denied' });

    // Voided, it was still issued: the same documents.
    expect((await call('POST', `${path}/credit-notes/${note.id}/void`)).status).toBe(200);
    const afterVoid = await fetchDocument(`${document}.pdf`);
    expect(afterVoid.status).toBe(200);
    expect(afterVoid.bytes.equals(pdf.bytes)).toBe(true);
    expect((await fetchDocument(`${path}/credit-notes/cn_${'0'.repeat(32)}/document`)).status).toBe(404);
  });

  it('a credit of a paid bill goes to the wallet; a fully credited unpaid bill owes nothing', async () => {
    const payer = newCustomer('cn-paid');
    const paid = await closedBill(payer, ['20.00']);
    await topUp(payer, '20.00');
    expect((await call('POST', `${paid.path}/payments`, { body: { source: 'wallet' } })).status).toBe(201);
    const credited = await call<CreditNote>('POST', `${paid.path}/credit-notes`, { body: { reason: 'Goodwill', amount: '5.00', settlement: 'wallet' } });
    expect(credited.status, credited.text).toBe(201);
    expect(credited.json).toMatchObject({ appliedToAmountDue: { amount: '0.00' }, settled: { amount: '5.00' } });
    expect(await balances(payer)).toMatchObject({ 'wallet USD': { amount: '5.00', currency: 'USD' }, 'receivable USD': { amount: '0.00', currency: 'USD' } });
    expect((await call('POST', `${paid.path}/credit-notes/${credited.json.id}/void`)).status).toBe(409);

    const voider = newCustomer('cn-void');
    const unpaid = await closedBill(voider, ['7.00', '3.00']);
    expect((await call('POST', `${unpaid.path}/credit-notes`, { body: { reason: 'Invoice cancelled', amount: '10.00', settlement: 'outOfBand' } })).status).toBe(201);
    expect((await call<BillWithDue>('GET', unpaid.path)).json.amountDue).toEqual({ amount: '0.00', currency: 'USD' });
  });
});

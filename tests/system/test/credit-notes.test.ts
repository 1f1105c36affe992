import { describe, expect, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill } from './bills-api.ts';
import { balances, topUp, type Entry, type Page } from './ledger-api.ts';

// Credit notes through the real gateway, bill-service, worker and PostgreSQL: a bill closed by its
// workflow is credited per line, its amountDue shows it, the credit note reads back with its
// number and stored documents, is voided, and a credit of a paid bill goes to the wallet.

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
  documents: Array<{ format: string; sha256: string; size: number }>;
}

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

// Credit notes through CreditNoteService and LedgerService, in this process over the suite's real
// PostgreSQL, behind the interceptor and mappers the real server applies.
import { createHash, randomUUID } from 'node:crypto';
import { Code, ConnectError, createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CreditNoteService, CreditNoteSettlement, CreditNoteStatus, InvoiceDocumentFormat, LedgerService, PaymentSource } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import type { SellerIdentity } from '@billing/documents';
import { serverInterceptor } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { databaseErrors } from '../src/database-errors.ts';
import { createCreditNoteService, creditNoteErrors } from '../src/credit-notes/connect.ts';
import { createLedgerService } from '../src/ledger/connect.ts';
import { ledgerErrors } from '../src/ledger/ledger-errors.ts';
import { newCustomer } from './support/bill-service.ts';
import { balancesAgainstPostings } from './support/ledger-service.ts';
import { failureOf } from './support/failure.ts';

const SELLER: SellerIdentity = {
  legalName: 'Test Seller SAS', address: { line1: '1 rue de Test', city: 'Paris', postalCode: '75001', country: 'FR' },
  taxId: 'FR00000000000', electronicAddress: '9957:FR00000000000', paymentTermsDays: 30,
};

let db: Db;
let ledger: Client<typeof LedgerService>;
let notes: Client<typeof CreditNoteService>;

beforeAll(() => {
  db = createDb({ url: inject('databaseUrl'), poolMax: 10 });
  const interceptor = serverInterceptor({ logger: createLogger('bill-service', 'silent'), errorMappers: [creditNoteErrors, ledgerErrors, databaseErrors] });
  const transport = createRouterTransport(({ service }) => {
    service(LedgerService, createLedgerService({ db }));
    service(CreditNoteService, createCreditNoteService({ db, seller: SELLER }));
  }, { router: { interceptors: [interceptor] } });
  ledger = createClient(LedgerService, transport);
  notes = createClient(CreditNoteService, transport);
});
afterAll(async () => {
  await db?.destroy();
});

const usd = (amount: string) => ({ amount, currency: 'USD' });
const PERIOD = '2031-05';

/** A CLOSED bill with items of the amounts given (minor units), its invoice posted; answers the item ids. */
async function closedBill(customerId: string, itemsMinor: number[]): Promise<{ billId: string; items: string[] }> {
  const billId = `bill_${customerId}`;
  const total = itemsMinor.reduce((sum, minor) => sum + BigInt(minor), 0n);
  await db('bills').insert({
    id: billId, customer_id: customerId, billing_period: PERIOD, currency: 'USD', time_zone: 'UTC', status: 'CLOSED',
    period_start: new Date('2031-05-01T00:00:00Z'), period_end: new Date('2031-06-01T00:00:00Z'), workflow_id: `wf-${billId}`,
    closed_at: new Date(), item_count: itemsMinor.length, total_minor: total.toString(), subtotals: JSON.stringify({ USD: total.toString() }),
    invoice_number: `INV-2031-${customerId}`,
  });
  const items = itemsMinor.map((_, index) => `item_${randomUUID().replaceAll('-', '')}_${index}`);
  await db('line_items').insert(itemsMinor.map((minor, index) => ({
    id: items[index], bill_id: billId, seq: index + 1, idempotency_key: `k${index}`, description: `Service ${index + 1}`, quantity: '1',
    unit_price: (BigInt(minor) / 100n).toString(), currency: 'USD', amount_minor: minor.toString(), metadata: '{}', added_at: new Date(),
  })));
  await ledger.postInvoice({ customerId, billId, total: usd((Number(total) / 100).toFixed(2)) });
  return { billId, items };
}

async function amountDue(billId: string): Promise<string> {
  const { rows } = await db.raw(`
    SELECT (coalesce(sum(amount_minor) FILTER (WHERE type = 'INVOICE'), 0) - coalesce(sum(amount_minor) FILTER (WHERE type = 'PAYMENT'), 0)
          + coalesce(sum(amount_minor) FILTER (WHERE type = 'REFUND'), 0) - coalesce(sum(amount_minor) FILTER (WHERE type = 'CREDIT_NOTE'), 0)
          + coalesce(sum(amount_minor) FILTER (WHERE type = 'CREDIT_NOTE_VOID'), 0))::text AS due
      FROM ledger_entries WHERE bill_id = ?`, [billId]);
  return rows[0].due as string;
}

async function receivable(customerId: string): Promise<string> {
  const row = await db('ledger_accounts').where({ id: `acc_receivable_USD_${customerId}` }).first('balance_minor');
  return String(row?.balance_minor ?? '0');
}

type Amount = { amount: string; currency: string };
interface IssueBody {
  lines?: Array<{ itemId: string; amount?: Amount }>;
  amount?: Amount;
  settlement?: CreditNoteSettlement;
  idempotencyKey?: string;
  reason?: string;
  billingPeriod?: string;
}

const issue = (customerId: string, body: IssueBody) => notes.issueCreditNote({
  customerId, billingPeriod: PERIOD, reason: 'Duplicate charge', settlement: CreditNoteSettlement.REFUND, idempotencyKey: randomUUID(), ...body,
});

async function retryingUnavailable<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 10 || ConnectError.from(error).code !== Code.Unavailable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

describe('issuing', () => {
  it('credits lines of an unpaid invoice: contra-revenue against the receivable, a CN number, three stored documents and an event', async () => {
    const customerId = newCustomer('cn-lines');
    const { billId, items } = await closedBill(customerId, [4000, 6000]);
    const { creditNote, replayed } = await issue(customerId, { lines: [{ itemId: items[0]!, amount: usd('15.00') }, { itemId: items[1]! }] });
    expect(replayed).toBe(false);
    expect(creditNote).toMatchObject({
      status: CreditNoteStatus.ISSUED, amount: usd('75.00'), appliedToAmountDue: usd('75.00'), settled: usd('0.00'),
      invoiceNumber: `INV-2031-${customerId}`, billId,
    });
    expect(creditNote?.number).toMatch(/^CN-\d{4}-\d{6}$/);
    expect(creditNote?.lines.map((line) => [line.itemId, line.amount?.amount])).toEqual([[items[0], '15.00'], [items[1], '60.00']]);
    expect(await amountDue(billId)).toBe('2500');
    expect(await receivable(customerId)).toBe('2500');
    const entry = await db('ledger_entries').where({ id: creditNote?.entryIds[0] }).first();
    expect(entry).toMatchObject({ type: 'CREDIT_NOTE', bill_id: billId, reference: creditNote?.number });
    const postings = await db('ledger_postings').where({ entry_id: entry.id }).orderBy('direction').select('account_id', 'direction', 'amount_minor');
    expect(postings).toEqual([
      { account_id: `acc_receivable_USD_${customerId}`, direction: 'CREDIT', amount_minor: '7500' },
      { account_id: 'acc_contrarevenue_USD', direction: 'DEBIT', amount_minor: '7500' },
    ]);
    const documents = await db('credit_note_documents').where({ credit_note_id: creditNote?.id }).select('format', 'sha256', db.raw("encode(sha256(bytes), 'hex') AS actual"), 'bytes');
    expect(documents.map((doc) => doc.format).sort()).toEqual(['html', 'pdf', 'xml']);
    for (const doc of documents) expect(doc.sha256).toBe(doc.actual);
    const xml = documents.find((doc) => doc.format === 'xml')?.bytes.toString('utf8') as string;
    expect(xml).toContain(`<cbc:ID>${creditNote?.number}</cbc:ID>`);
    expect(xml).toContain(`<cac:InvoiceDocumentReference><cbc:ID>INV-2031-${customerId}</cbc:ID>`);
    expect(creditNote?.documents.map((doc) => doc.format).sort()).toEqual(['html', 'pdf', 'xml']);
    const events = await db('events').where({ customer_id: customerId, type: 'credit_note.issued' }).select('data');
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ id: creditNote?.id, number: creditNote?.number, amount: usd('75.00'), status: 'ISSUED' });
    // The same key answers the same credit note and posts nothing.
    const again = await issue(customerId, { lines: [{ itemId: items[0]! }], idempotencyKey: 'same' });
    const replay = await issue(customerId, { amount: usd('1.00'), idempotencyKey: 'same' });
    expect(replay.replayed).toBe(true);
    expect(replay.creditNote?.id).toBe(again.creditNote?.id);
  });

  it('refuses more than is left of a line and of the bill, and an unknown item, a foreign currency or an open bill', async () => {
    const customerId = newCustomer('cn-over');
    const { items } = await closedBill(customerId, [1000, 2000]);
    await issue(customerId, { lines: [{ itemId: items[0]!, amount: usd('6.00') }] });
    const line = await failureOf(issue(customerId, { lines: [{ itemId: items[0]!, amount: usd('4.01') }] }));
    expect(line.code).toBe(Code.FailedPrecondition);
    expect(line.rawMessage).toBe(`lines: a credit of 4.01 USD is more than the 4.00 USD left to credit on item ${items[0]}`);
    // Two lines of one item in one note count together.
    const twice = await failureOf(issue(customerId, { lines: [{ itemId: items[0]!, amount: usd('3.00') }, { itemId: items[0]!, amount: usd('3.00') }] }));
    expect(twice.code).toBe(Code.FailedPrecondition);
    await issue(customerId, { amount: usd('20.00') });
    const total = await failureOf(issue(customerId, { lines: [{ itemId: items[1]! }] }));
    expect(total.code).toBe(Code.FailedPrecondition);
    expect(total.rawMessage).toBe('a credit of 20.00 USD is more than the 4.00 USD left to credit on the bill');
    expect((await failureOf(issue(customerId, { lines: [{ itemId: 'item_nope' }] }))).code).toBe(Code.InvalidArgument);
    expect((await failureOf(issue(customerId, { amount: { amount: '1.00', currency: 'EUR' } }))).code).toBe(Code.InvalidArgument);
    expect((await failureOf(issue(customerId, { amount: usd('1.001') }))).code).toBe(Code.InvalidArgument);
    expect((await failureOf(issue(customerId, { amount: usd('1.00'), billingPeriod: '2031-04' }))).code).toBe(Code.NotFound);
    expect((await failureOf(issue(customerId, {}))).rawMessage).toBe('lines or amount: exactly one of them is required');
    await issue(customerId, { amount: usd('4.00') });
    const none = await failureOf(issue(customerId, { amount: usd('0.01') }));
    expect(none.rawMessage).toBe('the bill has nothing left to credit');
  });

  it('settles what was already paid: back to the payments, to the wallet, or out of band; the receivable returns to zero', async () => {
    for (const [settlement, target] of [
      [CreditNoteSettlement.REFUND, 'wallet'], [CreditNoteSettlement.WALLET, 'wallet'], [CreditNoteSettlement.OUT_OF_BAND, 'external'],
    ] as const) {
      const customerId = newCustomer('cn-settle');
      const { billId } = await closedBill(customerId, [5000]);
      await ledger.topUp({ customerId, amount: usd('50.00'), idempotencyKey: 't' });
      const payment = await ledger.payBill({ customerId, billingPeriod: PERIOD, source: PaymentSource.WALLET, idempotencyKey: 'p' });
      const { creditNote } = await issue(customerId, { amount: usd('20.00'), settlement });
      expect(creditNote).toMatchObject({ appliedToAmountDue: usd('0.00'), settled: usd('20.00') });
      expect(creditNote?.entryIds).toHaveLength(2);
      const refund = await db('ledger_entries').where({ id: creditNote?.entryIds[1] }).first();
      expect(refund).toMatchObject({ type: 'REFUND', bill_id: billId, refund_of: settlement === CreditNoteSettlement.REFUND ? payment.entry?.id : null });
      const credited = await db('ledger_postings').where({ entry_id: refund.id, direction: 'CREDIT' }).first('account_id');
      expect(credited.account_id).toBe(target === 'wallet' ? `acc_wallet_USD_${customerId}` : 'acc_external_USD_outofband');
      expect(await receivable(customerId)).toBe('0');
      expect(await amountDue(billId)).toBe('0');
      // A settled credit note cannot be voided.
      const voided = await failureOf(notes.voidCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: creditNote!.id }));
      expect(voided.code).toBe(Code.FailedPrecondition);
    }
  });

  it('a refund settlement and a refund of the same payment never give back more than it paid', async () => {
    const customerId = newCustomer('cn-refund');
    await closedBill(customerId, [3000]);
    await ledger.topUp({ customerId, amount: usd('30.00'), idempotencyKey: 't' });
    const payment = await ledger.payBill({ customerId, billingPeriod: PERIOD, source: PaymentSource.WALLET, idempotencyKey: 'p' });
    await ledger.refund({ customerId, paymentEntryId: payment.entry!.id, amount: usd('10.00'), idempotencyKey: 'r' });
    // 10.00 is owed again: a credit of the whole 30.00 applies 10.00 and refunds 20.00, all that is left of the payment.
    const { creditNote } = await issue(customerId, { amount: usd('30.00') });
    expect(creditNote).toMatchObject({ appliedToAmountDue: usd('10.00'), settled: usd('20.00') });
    const left = await failureOf(ledger.refund({ customerId, paymentEntryId: payment.entry!.id, idempotencyKey: 'r2' }));
    expect(left.rawMessage).toMatch(/already refunded in full/);
    expect(await receivable(customerId)).toBe('0');
  });

  it('a fully credited unpaid invoice owes nothing: the bill is void in effect', async () => {
    const customerId = newCustomer('cn-void-bill');
    const { billId } = await closedBill(customerId, [1234, 100]);
    await issue(customerId, { amount: usd('13.34'), settlement: CreditNoteSettlement.OUT_OF_BAND, reason: 'Invoice voided' });
    expect(await amountDue(billId)).toBe('0');
    const pay = await failureOf(ledger.payBill({ customerId, billingPeriod: PERIOD, source: PaymentSource.WALLET, idempotencyKey: 'p' }));
    expect(pay.rawMessage).toBe(`nothing is owed on the bill for ${PERIOD}`);
  });
});

describe('voiding', () => {
  it('voids one that gave nothing back with the exact reversal, once; the amount is creditable and owed again', async () => {
    const customerId = newCustomer('cn-void');
    const { billId, items } = await closedBill(customerId, [1000]);
    const { creditNote } = await issue(customerId, { lines: [{ itemId: items[0]! }] });
    expect(await amountDue(billId)).toBe('0');
    const voided = await notes.voidCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: creditNote!.id, idempotencyKey: 'v' });
    expect(voided).toMatchObject({ replayed: false, creditNote: { status: CreditNoteStatus.VOID, number: creditNote?.number } });
    const reversal = await db('ledger_entries').where({ id: voided.creditNote?.voidEntryId }).first();
    expect(reversal).toMatchObject({ type: 'CREDIT_NOTE_VOID', amount_minor: '1000', bill_id: billId });
    expect(await amountDue(billId)).toBe('1000');
    const again = await notes.voidCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: creditNote!.id });
    expect(again.replayed).toBe(true);
    expect(await db('ledger_entries').where({ bill_id: billId, type: 'CREDIT_NOTE_VOID' })).toHaveLength(1);
    // The line is creditable again, and the void is recorded as an event.
    await issue(customerId, { lines: [{ itemId: items[0]! }] });
    expect(await db('events').where({ customer_id: customerId, type: 'credit_note.voided' })).toHaveLength(1);
    const listed = await notes.listCreditNotes({ customerId, billingPeriod: PERIOD, limit: 1 });
    expect(listed.creditNotes.map((note) => note.status)).toEqual([CreditNoteStatus.VOID]);
    const next = await notes.listCreditNotes({ customerId, billingPeriod: PERIOD, limit: 1, cursor: listed.nextCursor });
    expect(next.creditNotes.map((note) => note.status)).toEqual([CreditNoteStatus.ISSUED]);
    expect(next.nextCursor ?? '').toBe('');
    expect((await notes.getCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: creditNote!.id })).creditNote?.id).toBe(creditNote!.id);
    expect((await failureOf(notes.getCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: 'cn_nope' }))).code).toBe(Code.NotFound);
  });

  it('a credit note row never changes but from ISSUED to VOID, and its documents never change', async () => {
    const customerId = newCustomer('cn-immutable');
    const { items } = await closedBill(customerId, [500]);
    const { creditNote } = await issue(customerId, { lines: [{ itemId: items[0]! }] });
    await expect(db('credit_notes').where({ id: creditNote!.id }).update({ amount_minor: '1' })).rejects.toThrow(/immutable/);
    await expect(db('credit_note_documents').where({ credit_note_id: creditNote!.id }).delete()).rejects.toThrow(/immutable/);
  });
});

describe('documents', () => {
  const FORMATS = [['pdf', InvoiceDocumentFormat.PDF], ['html', InvoiceDocumentFormat.HTML], ['xml', InvoiceDocumentFormat.XML]] as const;

  it('serves each stored form with its SHA-256 and numbers, still once voided; its event links each form to its route', async () => {
    const customerId = newCustomer('cn-docs');
    const { billId, items } = await closedBill(customerId, [2500]);
    const { creditNote } = await issue(customerId, { lines: [{ itemId: items[0]! }] });
    const id = creditNote!.id;
    const read = (format: InvoiceDocumentFormat) => notes.getCreditNoteDocument({ customerId, billingPeriod: PERIOD, creditNoteId: id, format });
    const stored = await db('credit_note_documents').where({ credit_note_id: id }).select('format', 'content_type', 'bytes') as
      Array<{ format: string; content_type: string; bytes: Buffer }>;
    const served = new Map<string, Buffer>();
    for (const [name, format] of FORMATS) {
      const document = await read(format);
      const row = stored.find((candidate) => candidate.format === name)!;
      const bytes = Buffer.from(document.content);
      expect(bytes.equals(row.bytes), name).toBe(true);
      expect(document).toMatchObject({
        contentType: row.content_type, sha256: createHash('sha256').update(bytes).digest('hex'), version: 1,
        creditNoteNumber: creditNote!.number, invoiceNumber: `INV-2031-${customerId}`, billId,
      });
      served.set(name, bytes);
    }
    expect(served.get('pdf')!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(served.get('xml')!.toString('utf8')).toContain(`<cac:InvoiceDocumentReference><cbc:ID>INV-2031-${customerId}</cbc:ID>`);

    // credit_note.issued links each form to the route that serves it, with the SHA-256 that is its ETag.
    const event = await db('events').where({ customer_id: customerId, type: 'credit_note.issued' }).first('data') as
      { data: { documents: Array<{ format: string; sha256: string; url: string }> } };
    expect(event.data.documents.map(({ format, sha256, url }) => ({ format, sha256, url })).sort((a, b) => a.format.localeCompare(b.format))).toEqual(
      ['html', 'pdf', 'xml'].map((format) => ({
        format, sha256: createHash('sha256').update(served.get(format)!).digest('hex'),
        url: `/v1/customers/${customerId}/bills/${PERIOD}/credit-notes/${id}/document.${format}`,
      })));

    // A voided credit note was issued: its documents stand.
    await notes.voidCreditNote({ customerId, billingPeriod: PERIOD, creditNoteId: id });
    expect(Buffer.from((await read(InvoiceDocumentFormat.XML)).content).equals(served.get('xml')!)).toBe(true);
  });

  it('is NOT_FOUND for a credit note the bill does not have, and INVALID_ARGUMENT without a form', async () => {
    const customerId = newCustomer('cn-docs-missing');
    const { items } = await closedBill(customerId, [900]);
    const { creditNote } = await issue(customerId, { lines: [{ itemId: items[0]! }] });
    const read = (request: { customerId?: string; billingPeriod?: string; creditNoteId?: string; format?: InvoiceDocumentFormat }) =>
      failureOf(notes.getCreditNoteDocument({ customerId, billingPeriod: PERIOD, creditNoteId: creditNote!.id, format: InvoiceDocumentFormat.PDF, ...request }));
    for (const other of [{ creditNoteId: `cn_${'0'.repeat(32)}` }, { billingPeriod: '2031-04' }, { customerId: newCustomer('cn-docs-other') }]) {
      const refused = await read(other);
      expect(refused.code, JSON.stringify(other)).toBe(Code.NotFound);
    }
    expect((await read({ format: InvoiceDocumentFormat.UNSPECIFIED })).code).toBe(Code.InvalidArgument);
    expect((await read({ creditNoteId: '' })).code).toBe(Code.InvalidArgument);
    expect((await read({ billingPeriod: '2031-5' })).code).toBe(Code.InvalidArgument);
  });
});

describe('concurrency', () => {
  it('of 30 concurrent credits of 1.00 and 10 wallet payments on a bill of 10.00, exactly 10.00 is credited; the series has no gap', async () => {
    const customerId = newCustomer('cn-race');
    const { billId } = await closedBill(customerId, [1000]);
    await ledger.topUp({ customerId, amount: usd('100.00'), idempotencyKey: 't' });
    const results = await Promise.allSettled([
      // Retried with its own key when told to (Unavailable: a lock not granted in time on a loaded machine), as a client does.
      ...Array.from({ length: 30 }, (_, index) => retryingUnavailable(() => issue(customerId, {
        amount: usd('1.00'), settlement: index % 2 ? CreditNoteSettlement.WALLET : CreditNoteSettlement.REFUND, idempotencyKey: `race-${index}`,
      }))),
      ...Array.from({ length: 10 }, (_, index) => ledger.payBill({ customerId, billingPeriod: PERIOD, source: PaymentSource.WALLET, idempotencyKey: `p${index}` })),
    ]);
    const credits = results.slice(0, 30).filter((result) => result.status === 'fulfilled');
    expect(credits).toHaveLength(10);
    for (const refused of results.slice(0, 30).filter((result) => result.status === 'rejected')) {
      expect(ConnectError.from((refused as PromiseRejectedResult).reason).code).toBe(Code.FailedPrecondition);
    }
    const { rows } = await db.raw(`SELECT coalesce(sum(amount_minor), 0)::text AS credited FROM credit_notes WHERE bill_id = ? AND status = 'ISSUED'`, [billId]);
    expect(rows[0].credited).toBe('1000');
    expect(await amountDue(billId)).toBe('0');
    expect(await receivable(customerId)).toBe('0');
    // Every year's series, across every test of this file, is 1..n with no gap and no duplicate.
    const series = await db.raw(`SELECT year, count(*)::int AS n, count(DISTINCT sequence)::int AS distinct_n, max(sequence) AS max FROM credit_notes GROUP BY year`);
    for (const year of series.rows) expect([year.n, year.distinct_n]).toEqual([year.max, year.max]);
    for (const row of await balancesAgainstPostings(db)) expect(row.balance).toBe(row.fromPostings);
  }, 60_000);
});


import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CreditNoteSchema, CreditNoteSettlement, CreditNoteStatus, MoneySchema, type CreditNoteService, type IssueCreditNoteRequest,
} from '@billing/contracts';
import { buildTestGateway } from './support/in-memory-services.ts';

// The credit note routes over an in-memory CreditNoteService: what each route validates, what it
// sends to the service and how it renders the answer. Through the real service: tests/system.

const ITEM = 'li_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4';
const NOTE_ID = 'cn_5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e';
const usd = (amount: string) => create(MoneySchema, { amount, currency: 'USD' });

function note(status = CreditNoteStatus.ISSUED) {
  return create(CreditNoteSchema, {
    id: NOTE_ID, number: 'CN-2031-000007', customerId: 'cus_1', billId: 'bill_1', billingPeriod: '2031-02', invoiceNumber: 'INV-2031-000003',
    status, reason: 'Duplicate', settlement: CreditNoteSettlement.WALLET, amount: usd('12.00'), appliedToAmountDue: usd('10.00'), settled: usd('2.00'),
    lines: [{ itemId: ITEM, description: 'Seats', amount: usd('12.00') }], entryIds: ['ent_1', 'ent_2'],
    documents: [{ format: 'pdf', contentType: 'application/pdf', sha256: 'a'.repeat(64), size: 1234n }],
    issuedAt: timestampFromDate(new Date('2031-03-01T10:00:00Z')),
    ...(status === CreditNoteStatus.VOID ? { voidEntryId: 'ent_3', voidedAt: timestampFromDate(new Date('2031-03-02T10:00:00Z')) } : {}),
  });
}

let gateway: Awaited<ReturnType<typeof buildTestGateway>>;
let issued: IssueCreditNoteRequest[];
const service: Partial<ServiceImpl<typeof CreditNoteService>> = {
  issueCreditNote: (request) => {
    issued.push(request);
    if (request.reason === 'too much') throw new ConnectError('a credit of 99.00 USD is more than the 12.00 USD left to credit on the bill', Code.FailedPrecondition);
    return { creditNote: note(), replayed: request.idempotencyKey === 'again' };
  },
  voidCreditNote: () => ({ creditNote: note(CreditNoteStatus.VOID), replayed: false }),
  getCreditNote: (request) => {
    if (request.creditNoteId !== NOTE_ID) throw new ConnectError('no such credit note', Code.NotFound);
    return { creditNote: note() };
  },
  listCreditNotes: () => ({ creditNotes: [note()], nextCursor: '' }),
};

beforeEach(async () => {
  issued = [];
  gateway = await buildTestGateway({ creditNotes: service });
});
afterEach(async () => {
  await gateway.app.close();
});

const NOTES = '/v1/customers/cus_1/bills/2031-02/credit-notes';
const post = (url: string, payload?: object, headers: Record<string, string> = {}) => gateway.app.inject({ method: 'POST', url, payload, headers });

describe('POST credit-notes', () => {
  it('sends lines, amounts, settlement and the Idempotency-Key, and answers 201 with the CreditNote shape', async () => {
    const response = await post(NOTES, { reason: 'Duplicate', lines: [{ itemId: ITEM, amount: '12.00' }, { itemId: ITEM }], settlement: 'wallet' }, { 'idempotency-key': 'cn-1' });
    expect(response.statusCode, response.body).toBe(201);
    expect(issued[0]).toMatchObject({
      customerId: 'cus_1', billingPeriod: '2031-02', reason: 'Duplicate', settlement: CreditNoteSettlement.WALLET, idempotencyKey: 'cn-1',
      lines: [{ itemId: ITEM, amount: { amount: '12.00' } }, { itemId: ITEM }],
    });
    expect(issued[0]?.lines[1]?.amount).toBeUndefined();
    expect(response.json()).toEqual({
      id: NOTE_ID, number: 'CN-2031-000007', customerId: 'cus_1', billId: 'bill_1', billingPeriod: '2031-02', invoiceNumber: 'INV-2031-000003',
      status: 'ISSUED', reason: 'Duplicate', settlement: 'wallet', amount: { amount: '12.00', currency: 'USD' },
      appliedToAmountDue: { amount: '10.00', currency: 'USD' }, settled: { amount: '2.00', currency: 'USD' },
      lines: [{ itemId: ITEM, description: 'Seats', amount: { amount: '12.00', currency: 'USD' } }], entryIds: ['ent_1', 'ent_2'], voidEntryId: null,
      documents: [{
        format: 'pdf', contentType: 'application/pdf', sha256: 'a'.repeat(64), size: 1234,
        url: `/v1/customers/cus_1/bills/2031-02/credit-notes/${NOTE_ID}/document.pdf`,
      }],
      issuedAt: '2031-03-01T10:00:00.000Z', voidedAt: null,
    });
    const whole = await post(NOTES, { reason: 'Goodwill', amount: '5.00', settlement: 'outOfBand' });
    expect(whole.statusCode).toBe(201);
    expect(issued[1]).toMatchObject({ amount: { amount: '5.00' }, settlement: CreditNoteSettlement.OUT_OF_BAND, lines: [] });
    expect((await post(NOTES, { reason: 'Duplicate', amount: '1.00', settlement: 'refund' }, { 'idempotency-key': 'again' })).headers['idempotent-replayed']).toBe('true');
  });

  it('refuses a malformed body at the gateway, naming the field, and answers a refusal of the service 409', async () => {
    for (const [body, field] of [
      [{ reason: 'x', amount: '1.00', settlement: 'cash' }, 'settlement'],
      [{ reason: ' ', amount: '1.00', settlement: 'refund' }, 'reason'],
      [{ reason: 'x', lines: [{ itemId: 'item-1' }], settlement: 'refund' }, 'lines.0.itemId'],
      [{ reason: 'x', amount: '-1', settlement: 'refund' }, 'amount'],
      // Lines or an amount: both, or neither, is refused at the gateway.
      [{ reason: 'x', amount: '1.00', lines: [{ itemId: `li_${'a'.repeat(32)}` }], settlement: 'refund' }, 'lines'],
      [{ reason: 'x', settlement: 'refund' }, 'amount'],
    ] as const) {
      const response = await post(NOTES, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.json()), JSON.stringify(body)).toContain(field.split('.')[0]);
    }
    expect(issued).toEqual([]);
    const refused = await post(NOTES, { reason: 'too much', amount: '99.00', settlement: 'refund' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'failed_precondition', message: 'a credit of 99.00 USD is more than the 12.00 USD left to credit on the bill' });
  });
});

describe('voiding and reading', () => {
  it('voids with 200, reads one, lists a page, and answers 404 for an unknown id', async () => {
    const voided = await post(`${NOTES}/${NOTE_ID}/void`);
    expect(voided.statusCode, voided.body).toBe(200);
    expect(voided.json()).toMatchObject({ status: 'VOID', voidEntryId: 'ent_3', voidedAt: '2031-03-02T10:00:00.000Z' });
    expect((await gateway.app.inject({ method: 'GET', url: `${NOTES}/${NOTE_ID}` })).json()).toMatchObject({ id: NOTE_ID, status: 'ISSUED' });
    expect((await gateway.app.inject({ method: 'GET', url: NOTES })).json()).toMatchObject({ items: [{ id: NOTE_ID }], nextCursor: null });
    expect((await gateway.app.inject({ method: 'GET', url: `${NOTES}/cn_${'0'.repeat(32)}` })).statusCode).toBe(404);
    expect((await gateway.app.inject({ method: 'GET', url: `${NOTES}/nope` })).statusCode).toBe(400);
  });
});

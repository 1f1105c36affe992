// What the workflows book in the ledger: a closing bill's INVOICE and a mandate collection's
// PAYMENT, against a real Temporal dev server, a real PostgreSQL and bill-service's LedgerService
// served over gRPC on loopback (test/support/ledger.ts).
import { addLineItemUpdate, closeBillUpdate, type LineItemInput } from '@billing/bills';
import { Direction, EntryType } from '@billing/contracts';
import { Context } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BillActivities } from '../src/bills/bill-activities.ts';
import { itemDescription, type BillPostingPort } from '../src/mandates/bill-posting.ts';
import { startBill } from './support/bills.ts';
import { amountDueMinor, entriesOf, type EntryRow } from './support/ledger.ts';
import { startMandate } from './support/mandates.ts';
import { startBillTestStack, type BillTestStack } from './support/stack.ts';

let stack: BillTestStack;
/** The ledger entries of each bill's customer at the moment its finalizeBill (which marks it CLOSED) started. */
const entriesWhenFinalized = new Map<string, EntryRow[]>();
/** Bills a mandate collection is put on, by customer: the test opens them. */
const openBills = new Map<string, { billId: string; billingPeriod: string; add(item: LineItemInput): Promise<unknown> }>();

/** Puts a collection on the customer's real bill workflow, as bill-service would. */
const billPosting: BillPostingPort = {
  async post(collection) {
    const bill = openBills.get(collection.customerId);
    if (!bill) throw new Error(`the test opened no bill for ${collection.customerId}`);
    await bill.add({
      idempotencyKey: collection.idempotencyKey, description: itemDescription(collection), amount: collection.amount,
      currency: collection.currency,
    });
    return { billId: bill.billId, billingPeriod: bill.billingPeriod };
  },
};

beforeAll(async () => {
  const real = async (): Promise<BillActivities> => {
    const { createActivities } = await import('../src/bills/bill-activities.ts');
    return createActivities({ db: stack.db, ledger: stack.ledger.posting });
  };
  stack = await startBillTestStack({
    billPosting,
    activities: {
      async finalizeBill(args) {
        const row = await stack.db('bills').where({ id: args.billId }).first('customer_id') as { customer_id: string };
        if (!entriesWhenFinalized.has(args.billId)) entriesWhenFinalized.set(args.billId, await entriesOf(stack.db, row.customer_id));
        const totals = await (await real()).finalizeBill(args);
        // A bill whose close loses its answer after the last step committed: the whole close runs again.
        if (args.billId.startsWith('bill_finalized_twice') && Context.current().info.attempt === 1) {
          throw new Error('the worker lost the answer after the bill was CLOSED');
        }
        return totals;
      },
      // A retried bill's first attempt loses its answer after the ledger has taken the invoice.
      async postInvoice(args) {
        const posted = await (await real()).postInvoice(args);
        if (args.billId.startsWith('bill_retried') && Context.current().info.attempt === 1) {
          throw new Error('the connection dropped before the answer arrived');
        }
        return posted;
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const item = (key: string, amount: string): LineItemInput => ({ idempotencyKey: key, description: `fee ${key}`, amount });

/** The `amountDue` of the customer's one `bill.closed` event. */
async function owedAtClose(customerId: string): Promise<unknown> {
  const events = await stack.db('events').where({ customer_id: customerId, type: 'bill.closed' }).select('data') as Array<{ data: { amountDue: unknown } }>;
  expect(events).toHaveLength(1);
  return events[0]!.data.amountDue;
}

async function closedBill(billId: string, items: LineItemInput[]) {
  const { input, handle } = await startBill(stack.client, stack.taskQueue, { billId });
  for (const one of items) await handle.executeUpdate(addLineItemUpdate, { args: [one] });
  const closed = await handle.executeUpdate(closeBillUpdate);
  return { input, handle, closed };
}

describe('closing a bill', () => {
  it('posts exactly one INVOICE of the closed total, booked before the bill reads CLOSED', async () => {
    const { input, closed } = await closedBill(`bill_${Date.now()}`, [
      item('a', '10.00'), { idempotencyKey: 'b', description: 'seats', quantity: '3', unitPrice: '1.005' },
    ]);
    expect(closed).toMatchObject({ status: 'CLOSED', total: { amount: '13.02', currency: 'USD' } });

    const entries = await entriesOf(stack.db, input.customerId);
    expect(entries).toEqual([expect.objectContaining({
      type: 'INVOICE', bill_id: input.billId, reference: input.billId, amount_minor: '1302', currency: 'USD',
    })]);
    expect(entriesWhenFinalized.get(input.billId)).toEqual(entries);
    const { entries: listed } = await stack.ledger.client.listEntries({ customerId: input.customerId });
    expect(listed.map((entry) => [entry.type, entry.postings.map((posting) => [posting.accountId, posting.direction, posting.amount?.amount])]))
      .toEqual([[EntryType.INVOICE, expect.arrayContaining([
        [`acc_receivable_USD_${input.customerId}`, Direction.DEBIT, '13.02'], ['acc_revenue_USD', Direction.CREDIT, '13.02'],
      ])]]);
    expect(await amountDueMinor(stack.db, input.billId)).toBe(1302n);
    expect(await owedAtClose(input.customerId)).toEqual({ amount: '13.02', currency: 'USD' });
  });

  it('books the invoice once when the activity is retried after the ledger already took it', async () => {
    const { input, handle, closed } = await closedBill(`bill_retried_${Date.now()}`, [item('a', '7.50')]);
    expect(closed.status).toBe('CLOSED');
    const history = await handle.fetchHistory();
    const postInvoiceAttempts = history.events?.filter((event) => event.activityTaskStartedEventAttributes)
      .map((event) => event.activityTaskStartedEventAttributes?.attempt);
    expect(postInvoiceAttempts).toContain(2);
    const entries = await entriesOf(stack.db, input.customerId);
    expect(entries.map((entry) => [entry.type, entry.amount_minor])).toEqual([['INVOICE', '750']]);
  });

  it('changes nothing when the close runs again after every step had committed', async () => {
    const { input, handle, closed } = await closedBill(`bill_finalized_twice_${Date.now()}`, [item('a', '3.25'), item('b', '1.00')]);
    expect(closed).toMatchObject({ status: 'CLOSED', total: { amount: '4.25' } });
    const attempts = (await handle.fetchHistory()).events?.filter((event) => event.activityTaskStartedEventAttributes)
      .map((event) => event.activityTaskStartedEventAttributes?.attempt);
    expect(attempts).toContain(2);
    // One number, one INVOICE, one version of the three documents, and the bill's first number kept.
    const row = await stack.db('bills').where({ id: input.billId }).first('status', 'invoice_number') as { status: string; invoice_number: string };
    expect(row).toEqual({ status: 'CLOSED', invoice_number: closed.invoiceNumber });
    expect((await entriesOf(stack.db, input.customerId)).map((entry) => [entry.type, entry.amount_minor])).toEqual([['INVOICE', '425']]);
    const documents = await stack.db('bill_documents').where({ bill_id: input.billId }).select('version', 'format').orderBy('format') as unknown[];
    expect(documents).toEqual([{ version: 1, format: 'html' }, { version: 1, format: 'pdf' }, { version: 1, format: 'xml' }]);
    expect(await owedAtClose(input.customerId)).toEqual({ amount: '4.25', currency: 'USD' });
  });

  it('posts nothing for a bill that closes at zero', async () => {
    const { input, closed } = await closedBill(`bill_${Date.now()}`, []);
    expect(closed).toMatchObject({ status: 'CLOSED', total: { amount: '0.00' } });
    expect(await entriesOf(stack.db, input.customerId)).toEqual([]);
    expect(await amountDueMinor(stack.db, input.billId)).toBe(0n);
  });

  it('keeps the bill CLOSING while the ledger is down and closes it by itself once the ledger is back', async () => {
    const { input, handle } = await startBill(stack.client, stack.taskQueue);
    await handle.executeUpdate(addLineItemUpdate, { args: [item('a', '4.00')] });
    await stack.ledger.down();
    try {
      const closing = handle.executeUpdate(closeBillUpdate);
      await vi.waitFor(async () => {
        expect(await stack.db('bills').where({ id: input.billId }).first('status', 'invoice_number'))
          .toMatchObject({ status: 'CLOSING', invoice_number: expect.any(String) });
      }, { timeout: 10_000 });
      // Several failed attempts at the invoice, and still nothing closed or booked.
      await vi.waitFor(async () => {
        const { raw } = await handle.describe();
        const closing = raw.pendingActivities?.find((activity) => activity.activityType?.name === 'closeBill');
        expect(closing?.attempt).toBeGreaterThanOrEqual(3);
      }, { timeout: 15_000, interval: 100 });
      expect(await stack.db('bills').where({ id: input.billId }).first('status')).toEqual({ status: 'CLOSING' });
      expect(await entriesOf(stack.db, input.customerId)).toEqual([]);
      await stack.ledger.up();
      expect(await closing).toMatchObject({ status: 'CLOSED' });
    } finally {
      await stack.ledger.up();
    }
    expect((await entriesOf(stack.db, input.customerId)).map((entry) => [entry.type, entry.amount_minor])).toEqual([['INVOICE', '400']]);
  }, 40_000);
});

describe('a mandate collection', () => {
  /** Opens the customer's bill for the collection to land on, with `items` already on it. */
  async function openBillFor(customerId: string, items: LineItemInput[]) {
    const { input, handle } = await startBill(stack.client, stack.taskQueue, { customerId });
    for (const one of items) await handle.executeUpdate(addLineItemUpdate, { args: [one] });
    openBills.set(customerId, {
      billId: input.billId, billingPeriod: input.billingPeriod, add: (one) => handle.executeUpdate(addLineItemUpdate, { args: [one] }),
    });
    return { input, handle };
  }

  async function payments(customerId: string): Promise<EntryRow[]> {
    return (await entriesOf(stack.db, customerId)).filter((entry) => entry.type === 'PAYMENT');
  }

  it('books one PAYMENT against the bill it went on, which then owes its total less the collection', async () => {
    const onlyCollection = `cust-collected-${Date.now()}`;
    const withFee = `cust-fee-${Date.now()}`;
    const bills = [await openBillFor(onlyCollection, []), await openBillFor(withFee, [item('setup', '5.00')])];
    // Due at 00:00 today, already past: each collects at once, then its run continues as new.
    const mandates = [await startMandate(stack.client, stack.taskQueue, { customerId: onlyCollection, amount: '25.00' }),
      await startMandate(stack.client, stack.taskQueue, { customerId: withFee, amount: '25.00' })];
    await vi.waitFor(async () => {
      expect(await payments(onlyCollection)).toHaveLength(1);
      expect(await payments(withFee)).toHaveLength(1);
    }, { timeout: 20_000, interval: 200 });

    for (const [index, customerId] of [onlyCollection, withFee].entries()) {
      const { input: bill, handle } = bills[index] as (typeof bills)[number];
      const mandate = mandates[index] as (typeof mandates)[number];
      const collection = await stack.db('mandate_collections').where({ mandate_id: mandate.input.mandateId, cycle: 1 })
        .first('bill_id', 'payment_reference') as { bill_id: string; payment_reference: string };
      expect(collection.bill_id).toBe(bill.billId);
      expect(await payments(customerId)).toEqual([expect.objectContaining({
        bill_id: bill.billId, amount_minor: '2500', currency: 'USD', idempotency_key: `mandate:${mandate.input.mandateId}:1`,
        reference: collection.payment_reference,
      })]);
      const { entries } = await stack.ledger.client.listEntries({ customerId });
      expect(entries.find((entry) => entry.type === EntryType.PAYMENT)?.postings.map((posting) => [posting.accountId, posting.direction]))
        .toEqual(expect.arrayContaining([['acc_external_USD_simulator', Direction.DEBIT], [`acc_receivable_USD_${customerId}`, Direction.CREDIT]]));
      await handle.executeUpdate(closeBillUpdate);
      await mandate.handle.terminate('test over');
    }

    // Invoiced 25.00, paid 25.00: nothing owed. Invoiced 30.00 with the fee: the fee is owed.
    expect(await amountDueMinor(stack.db, bills[0]?.input.billId ?? '')).toBe(0n);
    expect(await amountDueMinor(stack.db, bills[1]?.input.billId ?? '')).toBe(500n);
    // bill.closed says the same: what each owed once its invoice netted against the collection.
    expect(await owedAtClose(onlyCollection)).toEqual({ amount: '0.00', currency: 'USD' });
    expect(await owedAtClose(withFee)).toEqual({ amount: '5.00', currency: 'USD' });
    expect((await entriesOf(stack.db, withFee)).map((entry) => [entry.type, entry.amount_minor]).sort())
      .toEqual([['INVOICE', '3000'], ['PAYMENT', '2500']]);
  }, 60_000);
});

// The bill workflow against a real Temporal dev server and a real PostgreSQL.
import { randomUUID } from 'node:crypto';
import {
  addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, billPeriodNumber, billSearchAttributes, billSummaryQuery, closeBillUpdate,
} from '@billing/bills';
import type { LineItemInput } from '@billing/bills';
import type { WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { metricsRegistry } from '@billing/runtime';
import { parsePrometheusText, sampleSum } from '@billing/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILL_PATCHES } from '../src/workflows/bill.ts';
import { startBill } from './support/bills.ts';
import type { BillWorkflowType } from './support/bills.ts';
import { startBillTestStack } from './support/stack.ts';
import type { BillTestStack } from './support/stack.ts';

let stack: BillTestStack;

beforeAll(async () => {
  const real = () => import('../src/bills/bill-activities.ts').then(({ createActivities }) => createActivities({ db: stack.db, ledger: stack.ledger.posting }));
  stack = await startBillTestStack({
    activities: {
      // A slow bill stays CLOSING for a second, long enough to send it an item.
      async recordBillClosing(args) {
        if (args.billId.startsWith('bill_slow')) await new Promise((resolve) => setTimeout(resolve, 1000));
        return (await real()).recordBillClosing(args);
      },
      // A queued bill's writes take 1.5 s, so items sent meanwhile queue up together. The write is a
      // local activity: Updates that reach the server while it runs wait for its workflow task to
      // end and then come in one task, so two Updates share a write only if both arrive before the
      // first write ends, which a loaded machine must be given time for.
      async persistLineItems(args) {
        if (args.billId.startsWith('bill_queued')) await new Promise((resolve) => setTimeout(resolve, 1_500));
        return (await real()).persistLineItems(args);
      },
      // A bill whose id says so fails invoicing for good, as a broken ledger or bad data would.
      async finalizeBill(args) {
        if (args.billId.startsWith('bill_broken')) {
          throw ApplicationFailure.nonRetryable('the ledger refused the invoice', 'LedgerRejected');
        }
        return (await real()).finalizeBill(args);
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const item = (key: string, amount = '1.00'): LineItemInput => ({ idempotencyKey: key, description: `fee ${key}`, amount });
const open = (overrides = {}, workflowType: BillWorkflowType = 'billWorkflow') =>
  startBill(stack.client, stack.taskQueue, overrides, workflowType);

async function updateFailure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/**
 * Adds an item as bill-service sends it: with more Updates in flight than Temporal admits, the
 * server may refuse one as `UnprocessedUpdate` (never in history), and it is sent again.
 */
async function addRetried(handle: Awaited<ReturnType<typeof open>>['handle'], lineItem: LineItemInput) {
  const updateId = randomUUID();
  for (;;) {
    try {
      return await handle.executeUpdate(addLineItemUpdate, { args: [lineItem], updateId });
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError && (error.cause as ApplicationFailure | undefined)?.type === 'UnprocessedUpdate')) throw error;
    }
  }
}

async function billRow(billId: string) {
  return stack.db('bills').where({ id: billId }).first() as Promise<Record<string, unknown> | undefined>;
}

async function itemRows(billId: string) {
  return stack.db('line_items').where({ bill_id: billId }).orderBy('seq') as Promise<Array<Record<string, unknown>>>;
}

describe('bill workflow: line items', () => {
  it('stores an item before answering and returns it with the updated bill', async () => {
    const { input, handle } = await open();
    const result = await handle.executeUpdate(addLineItemUpdate, {
      args: [{ idempotencyKey: 'a', description: 'seats', quantity: '3', unitPrice: '2.345' }],
    });
    expect(result.duplicate).toBe(false);
    expect(result.item).toMatchObject({ idempotencyKey: 'a', quantity: '3', amount: { amount: '7.04', currency: 'USD' } });
    expect(result.bill).toMatchObject({ status: 'OPEN', itemCount: 1, total: { amount: '7.04', currency: 'USD' } });
    const row = await billRow(input.billId);
    expect(row).toMatchObject({ status: 'OPEN', item_count: 1, total_minor: '704' });
    expect(await itemRows(input.billId)).toHaveLength(1);
  });

  it('answers a repeated idempotency key with the first item and changes nothing', async () => {
    const { input, handle } = await open();
    const first = await handle.executeUpdate(addLineItemUpdate, { args: [item('k', '5.00')] });
    const again = await handle.executeUpdate(addLineItemUpdate, { args: [item('k', '9.00')] });
    expect(again.duplicate).toBe(true);
    expect(again.item).toEqual(first.item);
    expect(again.bill.total.amount).toBe('5.00');
    expect(await itemRows(input.billId)).toHaveLength(1);
  });

  it('keeps an exact total under 50 concurrent adds with distinct keys', async () => {
    const { input, handle } = await open();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => addRetried(handle, item(`k${index}`, `${index + 1}.01`))));
    const seconds = (performance.now() - started) / 1000;
    console.log(`50 concurrent adds into one bill: ${(50 / seconds).toFixed(0)} items/s`);
    expect(results.every((result) => !result.duplicate)).toBe(true);
    const summary = await handle.query(billSummaryQuery);
    // Σ (i + 1.01) for i in 0..49 = 1275 + 0.50
    expect(summary).toMatchObject({ itemCount: 50, total: { amount: '1275.50' } });
    expect(await billRow(input.billId)).toMatchObject({ item_count: 50, total_minor: '127550' });
    expect(new Set(results.map((result) => result.item.id)).size).toBe(50);
  });

  it('stores one item for 50 concurrent adds with the same key', async () => {
    const { input, handle } = await open();
    const results = await Promise.all(Array.from({ length: 50 }, () => addRetried(handle, item('same', '2.50'))));
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(new Set(results.map((result) => result.item.id)).size).toBe(1);
    expect(await itemRows(input.billId)).toHaveLength(1);
    expect(await billRow(input.billId)).toMatchObject({ item_count: 1, total_minor: '250' });
  });

  it('stores a batch of items in one update, answering each in order and deduplicating keys inside it', async () => {
    const { input, handle } = await open();
    const results = await handle.executeUpdate(addLineItemsUpdate, {
      args: [[item('b1', '1.10'), item('b2', '2.20'), item('b1', '9.99'), item('b3', '3.30')]],
    });
    expect(results.map((result) => [result.item.idempotencyKey, result.item.amount.amount, result.duplicate])).toEqual([
      ['b1', '1.10', false], ['b2', '2.20', false], ['b1', '1.10', true], ['b3', '3.30', false],
    ]);
    expect(await billRow(input.billId)).toMatchObject({ item_count: 3, total_minor: '660' });
    expect(await itemRows(input.billId)).toHaveLength(3);
  });

  it('refuses a whole batch in the validator when one item is malformed, naming it', async () => {
    const { input, handle } = await open();
    const failure = await updateFailure(handle.executeUpdate(addLineItemsUpdate, {
      args: [[item('ok', '1.00'), { idempotencyKey: 'bad', description: 'x', amount: '-1' }]],
    }));
    expect(failure.type).toBe('InvalidArgument');
    expect(failure.message).toMatch(/^items\[1\]\.amount: /);
    expect(await itemRows(input.billId)).toHaveLength(0);
  });

  it('rejects a malformed item in the validator, naming the field, with nothing in history or the database', async () => {
    const { input, handle } = await open();
    const failure = await updateFailure(handle.executeUpdate(addLineItemUpdate, {
      args: [{ idempotencyKey: 'bad', description: 'x', amount: '1.001' }],
    }));
    expect(failure.type).toBe('InvalidArgument');
    expect(failure.message).toMatch(/^amount: /);
    const history = await handle.fetchHistory();
    const accepted = history.events?.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
    expect(accepted).toHaveLength(0);
    expect(await itemRows(input.billId)).toHaveLength(0);
  });

  it('refuses an item the database refuses for good, without holding up the items queued with it', async () => {
    const { input, handle } = await open({ billId: `bill_queued_${Date.now()}` });
    // While the first write is running, the next two items queue up and are written as one batch.
    const first = await handle.startUpdate(addLineItemUpdate, { args: [item('first', '1.00')], waitForStage: WorkflowUpdateStage.ACCEPTED });
    const unknownRate = {
      idempotencyKey: 'eur', description: 'EU support', amount: '3.00', currency: 'EUR',
      exchangeRate: { rate: '1.1', source: 'test', asOf: '2026-11-01T00:00:00.000Z', rateId: 'rate_does_not_exist' },
    };
    const [good, bad] = await Promise.allSettled([
      handle.executeUpdate(addLineItemUpdate, { args: [item('good', '2.00')] }),
      updateFailure(handle.executeUpdate(addLineItemUpdate, { args: [unknownRate] })),
    ]);
    expect((await first.result()).duplicate).toBe(false);
    expect(good).toMatchObject({ status: 'fulfilled', value: { duplicate: false, item: { idempotencyKey: 'good' } } });
    expect(bad).toMatchObject({
      status: 'fulfilled', value: { type: 'InvalidArgument', message: 'exchangeRate.rateId: no stored exchange rate has this id' },
    });
    expect((await itemRows(input.billId)).map((row) => row.idempotency_key)).toEqual(['first', 'good']);
    expect(await billRow(input.billId)).toMatchObject({ item_count: 2, total_minor: '300' });
    // Two refused writes: the batch of both, then the bad item on its own (the good one was stored alone).
    // Items are written by a local activity, whose failed attempt is a marker carrying the failure.
    const refusedWrites = (await handle.fetchHistory()).events?.filter((event) =>
      event.markerRecordedEventAttributes?.markerName === 'core_local_activity' && event.markerRecordedEventAttributes.failure) ?? [];
    expect(refusedWrites).toHaveLength(2);
    // Nothing of the refused item stays: its key is free for a correct one.
    const corrected = await handle.executeUpdate(addLineItemUpdate, { args: [item('eur', '3.00')] });
    expect(corrected).toMatchObject({ duplicate: false, bill: { itemCount: 3, total: { amount: '6.00' } } });
  });

  it('accepts the same item as a signal and drops invalid signals', async () => {
    const { input, handle } = await open();
    await handle.signal(addLineItemSignal, item('sig', '3.00'));
    await handle.signal(addLineItemSignal, { idempotencyKey: 'sig-bad', description: '', amount: '1' });
    await handle.signal(addLineItemSignal, item('sig', '3.00'));
    // An update after the signals is answered after they are stored: the workflow orders them.
    const after = await handle.executeUpdate(addLineItemUpdate, { args: [item('after', '1.00')] });
    expect(after.bill).toMatchObject({ itemCount: 2, total: { amount: '4.00' } });
    expect((await itemRows(input.billId)).map((row) => row.idempotency_key)).toEqual(['sig', 'after']);
  });
});

describe('bill workflow: closing', () => {
  it('numbers invoices INV-YYYY-000001 then 000002 and rejects items once closed', async () => {
    const year = new Date().getUTCFullYear();
    const first = await open();
    await first.handle.executeUpdate(addLineItemUpdate, { args: [item('x', '10.00')] });
    const closed = await first.handle.executeUpdate(closeBillUpdate);
    expect(closed).toMatchObject({ status: 'CLOSED', invoiceNumber: `INV-${year}-000001`, total: { amount: '10.00' } });
    expect(closed.closedAt).not.toBeNull();
    expect(await billRow(first.input.billId)).toMatchObject({
      status: 'CLOSED', invoice_number: `INV-${year}-000001`, total_minor: '1000', item_count: 1,
    });
    await first.handle.result();

    const second = await open();
    expect((await second.handle.executeUpdate(closeBillUpdate)).invoiceNumber).toBe(`INV-${year}-000002`);
  });

  it('rejects an item that arrives while the bill is closing or closed, changing nothing', async () => {
    const { input, handle } = await open({ billId: `bill_slow_${Date.now()}` });
    await handle.executeUpdate(addLineItemUpdate, { args: [item('before', '1.00')] });
    const closing = await handle.startUpdate(closeBillUpdate, { waitForStage: WorkflowUpdateStage.ACCEPTED });
    const late = await updateFailure(handle.executeUpdate(addLineItemUpdate, { args: [item('late', '1.00')] }));
    expect(late.type).toBe('FailedPrecondition');
    expect(await handle.query(billSummaryQuery)).toMatchObject({ status: 'CLOSING' });
    expect((await closing.result()).itemCount).toBe(1);
    expect(await itemRows(input.billId)).toHaveLength(1);
    expect(await billRow(input.billId)).toMatchObject({ status: 'CLOSED', item_count: 1 });
  });

  it('gives concurrent closes of several bills distinct, gap-free invoice numbers', async () => {
    const bills = await Promise.all(Array.from({ length: 8 }, () => open()));
    const closed = await Promise.all(bills.map(({ handle }) => handle.executeUpdate(closeBillUpdate)));
    const sequences = closed.map((bill) => Number(bill.invoiceNumber?.slice(-6))).sort((a, b) => a - b);
    const lowest = sequences[0] as number;
    expect(sequences).toEqual(Array.from({ length: 8 }, (_, index) => lowest + index));
  });

  it('answers a repeated close with the same closed bill', async () => {
    const { handle } = await open();
    const [a, b] = await Promise.all([handle.executeUpdate(closeBillUpdate), handle.executeUpdate(closeBillUpdate)]);
    expect(a.invoiceNumber).toBe(b.invoiceNumber);
    expect(a.status).toBe('CLOSED');
  });

  it('leaves the bill FAILED with the reason when invoicing fails for good', async () => {
    const counted = async (name: string) => sampleSum(parsePrometheusText(await metricsRegistry.metrics()), name);
    const failedBefore = await counted('billing_bills_failed_total');
    const { input, handle } = await open({ billId: `bill_broken_${Date.now()}` });
    await handle.executeUpdate(addLineItemUpdate, { args: [item('x', '1.00')] });
    const summary = await handle.executeUpdate(closeBillUpdate);
    expect(summary).toMatchObject({ status: 'FAILED', failureReason: 'the ledger refused the invoice' });
    expect(await billRow(input.billId)).toMatchObject({ status: 'FAILED', failure_reason: 'the ledger refused the invoice' });
    await expect(handle.result()).resolves.toMatchObject({ status: 'FAILED' });
    // The worker's counter says the same: one more failed bill (no other bill of this file fails).
    expect(await counted('billing_bills_failed_total') - failedBefore).toBe(1);
    // Its events, in order, end with bill.failed carrying the bill as a read shows it: numbered, owing nothing.
    // (This bill breaks after its invoice was posted, so the ledger's event comes before the failure.)
    const events = await stack.db('events').where({ customer_id: input.customerId }).orderBy('seq').select('type', 'data');
    expect(events.map((event: { type: string }) => event.type))
      .toEqual(['bill.created', 'bill.item_added', 'bill.closing', 'ledger.entry_posted', 'bill.failed']);
    expect(events.at(-1).data).toEqual({ ...summary, amountDue: { amount: '0.00', currency: 'USD' } });
    expect(summary.invoiceNumber).toMatch(/^INV-/);
  });

});

/** Lists bills matching `query` until `done` holds for what is found (visibility lags a little). */
async function listBills(query: string, done: (found: WorkflowExecutionInfo[]) => boolean): Promise<WorkflowExecutionInfo[]> {
  let found: WorkflowExecutionInfo[] = [];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    found = [];
    for await (const execution of stack.client.workflow.list({ query })) found.push(execution);
    if (done(found)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return found;
}

function attributesOf(execution: WorkflowExecutionInfo | undefined) {
  const get = <K extends keyof typeof billSearchAttributes>(name: K) => execution?.typedSearchAttributes.get(billSearchAttributes[name]);
  return { status: get('status'), periodNumber: get('periodNumber'), itemCount: get('itemCount'), totalMinor: get('totalMinor') };
}

describe('bill workflow: search attributes', () => {
  it('sets search attributes so a list query finds bills by status', async () => {
    const { input, handle } = await open();
    await handle.executeUpdate(closeBillUpdate);
    const found = await listBills(`BillCustomerId='${input.customerId}' AND BillStatus='CLOSED'`, (bills) => bills.length > 0);
    expect(found.map((bill) => bill.workflowId)).toEqual([handle.workflowId]);
  });

  /** The upserts in the bill's history that set its item count (and total). */
  const totalsUpserts = async (handle: WorkflowHandle) =>
    ((await handle.fetchHistory()).events ?? []).filter((event) =>
      event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.BillItemCount);

  it('shows an open bill\'s item count and total at most once a minute, and exactly from its close on', async () => {
    const { input, handle } = await open();
    // The same customer's bill for the running month (before the other's): as large, but out of range.
    const other = await open({ customerId: input.customerId, billingPeriod: new Date().toISOString().slice(0, 7) });
    await handle.executeUpdate(addLineItemsUpdate, { args: [[item('big', '600.00'), item('bigger', '500.01')]] });
    await handle.executeUpdate(addLineItemUpdate, { args: [item('small', '0.99')] });
    await other.handle.executeUpdate(addLineItemUpdate, { args: [item('earlier', '2000.00')] });
    // Within the bill's first minute: only the opening's zeros, no setting per stored batch.
    expect(await totalsUpserts(handle)).toHaveLength(1);

    await handle.executeUpdate(closeBillUpdate);
    await other.handle.executeUpdate(closeBillUpdate);
    const period = billPeriodNumber(input.billingPeriod);
    const query = `BillCustomerId='${input.customerId}' AND BillPeriodNum >= ${period} AND BillTotalMinor > 100000`;
    const found = await listBills(query, (bills) => attributesOf(bills[0]).status === 'CLOSED');
    expect(found.map((bill) => bill.workflowId)).toEqual([handle.workflowId]);
    expect(attributesOf(found[0])).toEqual({ status: 'CLOSED', periodNumber: period, itemCount: 3, totalMinor: 110_100 });
    // The totals went out with the CLOSING status, in the same upsert.
    const [, closing] = await totalsUpserts(handle);
    expect(Object.keys(closing?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort())
      .toEqual(['BillItemCount', 'BillStatus', 'BillTotalMinor']);
    expect(await totalsUpserts(handle)).toHaveLength(2);
  });

  it('once the interval has passed, sets the item count and total of what is stored at the next batch', async () => {
    const { input, handle } = await open({}, 'billWorkflowShowingEveryTotal');
    await handle.executeUpdate(addLineItemsUpdate, { args: [[item('big', '600.00'), item('bigger', '500.01')]] });
    await handle.executeUpdate(addLineItemUpdate, { args: [item('small', '0.99')] });

    const period = billPeriodNumber(input.billingPeriod);
    const query = `BillCustomerId='${input.customerId}' AND BillPeriodNum >= ${period} AND BillTotalMinor > 100000`;
    const found = await listBills(query, (bills) => attributesOf(bills[0]).itemCount === 3);
    expect(found.map((bill) => bill.workflowId)).toEqual([handle.workflowId]);
    expect(attributesOf(found[0])).toEqual({ status: 'OPEN', periodNumber: period, itemCount: 3, totalMinor: 110_100 });
    // Once per stored batch (two here: one per update), not once per item.
    expect(await totalsUpserts(handle)).toHaveLength(1 + 2);
  });

  it('records its patches in a new bill, so code that changes later can tell which version it ran', async () => {
    const { handle } = await open();
    // The items patch is asked at a bill's first write.
    await handle.executeUpdate(addLineItemUpdate, { args: [item('one')] });
    await handle.executeUpdate(closeBillUpdate);
    const history = await handle.fetchHistory();
    const markers = (history.events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch');
    // Every patch but the ledger's: a close in one activity posts the invoice without asking it.
    expect(markers).toHaveLength(Object.keys(BILL_PATCHES).length - 1);
  });
});

describe('bill workflow: continue-as-new', () => {
  it('keeps every item exactly once across several runs', async () => {
    // billWorkflowContinuingEarly (test bundle only) is billWorkflow continuing as new after 3 items.
    const { input, handle } = await open({}, 'billWorkflowContinuingEarly');
    for (let index = 0; index < 12; index += 1) {
      await handle.executeUpdate(addLineItemUpdate, { args: [item(`seq-${index}`, '1.00')] });
    }
    // A client whose update's run continued as new before it read the outcome sends it again
    // with the same key, as bill-service does (the bill is open throughout); the workflow answers a
    // stored one as a duplicate. Twenty at once are more than Temporal admits to one workflow, so
    // one may also be refused as `UnprocessedUpdate` (never in history) and is sent again, as
    // bill-service sends it (docs/bills.md, "The `UnprocessedUpdate` refusal").
    const addWithRetry = async (input: LineItemInput) => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return await handle.executeUpdate(addLineItemUpdate, { args: [input] });
        } catch (error) {
          const unprocessed = error instanceof WorkflowUpdateFailedError && (error.cause as ApplicationFailure | undefined)?.type === 'UnprocessedUpdate';
          if (!(error instanceof WorkflowNotFoundError || unprocessed) || attempt >= 5) throw error;
        }
      }
    };
    const burst = await Promise.all(Array.from({ length: 20 }, (_, index) => addWithRetry(item(`burst-${index % 10}`, '2.00'))));
    expect(new Set(burst.map((result) => result.item.id)).size).toBe(10);
    for (let index = 0; index < 3; index += 1) await handle.signal(addLineItemSignal, item(`signal-${index}`, '0.10'));
    // A key from the first run is still recognised after several continue-as-new boundaries.
    const repeat = await handle.executeUpdate(addLineItemUpdate, { args: [item('seq-0', '1.00')] });
    expect(repeat.duplicate).toBe(true);
    expect(repeat.item.idempotencyKey).toBe('seq-0');

    const closed = await handle.executeUpdate(closeBillUpdate);
    expect(closed).toMatchObject({ status: 'CLOSED', itemCount: 25, total: { amount: '32.30' } });
    const rows = await itemRows(input.billId);
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((row) => row.idempotency_key)).size).toBe(25);
    expect(await billRow(input.billId)).toMatchObject({ item_count: 25, total_minor: '3230' });
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    // The search attributes follow the bill from run to run.
    const found = await listBills(`BillCustomerId='${input.customerId}' AND BillStatus='CLOSED'`,
      (bills) => attributesOf(bills[0]).itemCount === 25);
    expect(attributesOf(found[0])).toMatchObject({ itemCount: 25, totalMinor: 3230 });
  });
});
